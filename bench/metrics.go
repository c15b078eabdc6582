package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServerCounters are counters the Temporal server exports on its Prometheus endpoint for the
// stack's namespace: its own count of billable actions by type ("action", the counter
// Temporal's migration guide uses to estimate Cloud actions) and frontend requests by
// operation (service_requests), which show activity attempts and heartbeats.
type ServerCounters struct {
	Actions  map[string]float64 `json:"actions"`
	Requests map[string]float64 `json:"requests"`
}

// ActionsTotal is the sum of Actions.
func (c ServerCounters) ActionsTotal() float64 {
	t := 0.0
	for _, v := range c.Actions {
		t += v
	}
	return t
}

// Sub is c - before, per key.
func (c ServerCounters) Sub(before ServerCounters) ServerCounters {
	d := ServerCounters{Actions: map[string]float64{}, Requests: map[string]float64{}}
	for k, v := range c.Actions {
		if x := v - before.Actions[k]; x != 0 {
			d.Actions[k] = x
		}
	}
	for k, v := range c.Requests {
		if x := v - before.Requests[k]; x != 0 {
			d.Requests[k] = x
		}
	}
	return d
}

// Div divides every counter by n.
func (c ServerCounters) Div(n float64) ServerCounters {
	d := ServerCounters{Actions: map[string]float64{}, Requests: map[string]float64{}}
	for k, v := range c.Actions {
		d.Actions[k] = v / n
	}
	for k, v := range c.Requests {
		d.Requests[k] = v / n
	}
	return d
}

// scrapeCounters reads the counters of namespace from a Prometheus text endpoint.
func scrapeCounters(ctx context.Context, url, namespace string) (ServerCounters, error) {
	c := ServerCounters{Actions: map[string]float64{}, Requests: map[string]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return c, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var into map[string]float64
		var key string
		switch {
		case strings.HasPrefix(line, "action{"):
			into, key = c.Actions, "action_type"
		case strings.HasPrefix(line, "service_requests{"):
			into, key = c.Requests, "operation"
		default:
			continue
		}
		labels, value, ok := parseSample(line)
		if !ok || labels["namespace"] != namespace {
			continue
		}
		if key == "operation" && labels["service_name"] != "frontend" {
			continue
		}
		into[labels[key]] += value
	}
	return c, sc.Err()
}

// parseSample splits `name{a="x",b="y"} 12` into its labels and value.
func parseSample(line string) (map[string]string, float64, bool) {
	open, end := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
	if open < 0 || end < open {
		return nil, 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
	if err != nil {
		return nil, 0, false
	}
	labels := map[string]string{}
	for _, kv := range strings.Split(line[open+1:end], ",") {
		k, val, ok := strings.Cut(kv, "=")
		if ok {
			labels[k] = strings.Trim(val, `"`)
		}
	}
	return labels, v, true
}
