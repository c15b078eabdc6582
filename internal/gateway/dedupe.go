package gateway

import (
	"container/list"
	"sync"
)

// DefaultDedupeBytes is the default memory budget of the relayed event ids: at roughly 200
// bytes an id, some twenty thousand recent events.
const DefaultDedupeBytes = 4 << 20

// entryOverhead approximates what one remembered key costs besides its bytes: the map entry,
// the list element and the string header.
const entryOverhead = 128

// seenEvents remembers the keys of recently relayed events, oldest forgotten first, within a
// budget of bytes (not of entries: keys are as long as the sender makes them, up to the
// gateway's limits). A redelivered webhook is then acknowledged without a second signal. The
// workflow deduplicates too; this only saves the signal, so forgetting is safe.
type seenEvents struct {
	mu     sync.Mutex
	budget int
	used   int
	order  *list.List // of string, oldest at the front
	set    map[string]*list.Element
}

func newSeenEvents(budget int) *seenEvents {
	return &seenEvents{budget: budget, order: list.New(), set: map[string]*list.Element{}}
}

func cost(key string) int { return len(key) + entryOverhead }

// add records key and reports whether it was new. It forgets the oldest keys until the new
// one fits; a key bigger than the whole budget is not remembered.
func (s *seenEvents) add(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[key]; ok {
		return false
	}
	c := cost(key)
	if c > s.budget {
		return true
	}
	for s.used+c > s.budget {
		s.drop(s.order.Front())
	}
	s.set[key] = s.order.PushBack(key)
	s.used += c
	return true
}

// remove forgets key, so that a retry of a delivery that failed gets through.
func (s *seenEvents) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.set[key]; ok {
		s.drop(e)
	}
}

func (s *seenEvents) drop(e *list.Element) {
	key := s.order.Remove(e).(string)
	delete(s.set, key)
	s.used -= cost(key)
}

// size is the bytes and entries in use (tests).
func (s *seenEvents) size() (bytes, entries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, len(s.set)
}
