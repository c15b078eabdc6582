package stackrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/merchantflow/onboarding/api"
)

// ServerVersion is the Temporal Server of the cluster profile: the server inside the Temporal
// CLI that `make tools` installs (v1.5.1), so both profiles run the same server code.
// docker-compose.temporal.yml's images and the Makefile carry the same version (a test checks).
const ServerVersion = "1.29.1"

// UIVersion is the Temporal UI server of the cluster profile, the one in the same CLI.
const UIVersion = "2.42.1"

// NamespaceRetention is the retention of the namespace the cluster profile registers, as
// docker-compose.temporal.yml's DEFAULT_NAMESPACE_RETENTION.
const NamespaceRetention = 72 * time.Hour

// DefaultShards is the cluster profile's numHistoryShards (fixed for the life of a database).
const DefaultShards = 4

// DynamicConfigPath is the dynamic config both the cluster profile and
// docker-compose.temporal.yml give the server, relative to the repository root.
const DynamicConfigPath = "deploy/temporal/dynamicconfig/development-sql.yaml"

// DefaultDatabase is the persistence database of `make run-cluster` (the visibility one is
// DefaultDatabase+"_visibility"), as docker-compose.temporal.yml's DBNAME.
const DefaultDatabase = "temporal"

// SQL plugin of the persistence and visibility stores, as docker-compose.temporal.yml's DB.
const sqlPlugin = "postgres12"

// ClusterConfig turns a stack into the cluster profile: Temporal Server (all four services in
// one process, several history shards) on PostgreSQL persistence and SQL visibility, several
// workers and gateways.
type ClusterConfig struct {
	// Postgres is where the databases live (EnsurePostgres finds the machine's).
	Postgres Postgres
	// Database names the persistence database; the visibility database is
	// Database+"_visibility". Empty means new names for this stack, dropped by Close.
	Database string
	// Shards is numHistoryShards; default DefaultShards. A database keeps the count it was
	// first used with.
	Shards int
	// Workers and Gateways are how many of each run; default 2 each.
	Workers, Gateways int
	// DynamicConfig is the server's dynamic config file; default DynamicConfigPath under the
	// repository root.
	DynamicConfig string
	// UI also runs the Temporal UI server (Binaries.UI) against the cluster, with the first
	// gateway as its codec server (CodecToken).
	UI bool
	// CodecToken is the token in the UI's codec endpoint URL (/codec/t/<token>); it must be one
	// of the gateways' ONBOARDING_CODEC_TOKENS (set them through Config.Env).
	CodecToken string
}

// VisibilityDatabase is the SQL visibility database's name.
func (c ClusterConfig) VisibilityDatabase() string { return c.Database + "_visibility" }

// Databases are the persistence and visibility databases.
func (c ClusterConfig) Databases() []string { return []string{c.Database, c.VisibilityDatabase()} }

func (c *ClusterConfig) defaults() error {
	if c.Shards == 0 {
		c.Shards = DefaultShards
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Gateways == 0 {
		c.Gateways = 2
	}
	if c.DynamicConfig == "" {
		root, err := RepoRoot()
		if err != nil {
			return err
		}
		c.DynamicConfig = filepath.Join(root, DynamicConfigPath)
	}
	abs, err := filepath.Abs(c.DynamicConfig)
	if err != nil {
		return err
	}
	c.DynamicConfig = abs
	if c.Postgres.Port == 0 {
		return errors.New("stackrun: ClusterConfig.Postgres is not set (EnsurePostgres finds the machine's)")
	}
	return nil
}

// newDatabaseName is a fresh database name for one stack.
func newDatabaseName() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "onb_" + hex.EncodeToString(b)
}

// sqlTool runs the Temporal SQL schema tool against db.
func (s *Stack) sqlTool(ctx context.Context, db string, args ...string) (string, error) {
	pg := s.cluster.Postgres
	full := append([]string{"--plugin", sqlPlugin, "--ep", pg.Host, "-p", strconv.Itoa(pg.Port),
		"-u", pg.User, "--db", db}, args...)
	cmd := exec.CommandContext(ctx, s.bin.SQLTool, full...)
	// The password in the environment, not on the command line (visible in ps).
	cmd.Env = append(baseEnv(), "SQL_PASSWORD="+pg.Password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("stackrun: temporal-sql-tool %s: %w\n%s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// migrate creates the persistence and visibility databases when they are missing and brings
// their schemas to the server's latest version (the schemas embedded in the tool). Safe to run
// on databases already set up: that is how an upgrade of ServerVersion migrates them.
func (s *Stack) migrate(ctx context.Context) error {
	for i, db := range s.cluster.Databases() {
		exists, err := s.cluster.Postgres.Query(ctx, "postgres", "SELECT count(*) FROM pg_database WHERE datname = '"+db+"'")
		if err != nil {
			return err
		}
		if exists == "0" {
			if _, err := s.sqlTool(ctx, db, "create-database"); err != nil {
				return err
			}
		}
		if _, err := s.sqlTool(ctx, db, "setup-schema", "-v", "0.0"); err != nil {
			return err
		}
		name := "postgresql/v12/temporal"
		if i == 1 {
			name = "postgresql/v12/visibility"
		}
		if _, err := s.sqlTool(ctx, db, "update-schema", "--schema-name", name); err != nil {
			return err
		}
	}
	return nil
}

// dropDatabases drops the stack's own databases (those it named itself).
func (s *Stack) dropDatabases(ctx context.Context) error {
	var errs []error
	for _, db := range s.cluster.Databases() {
		if _, err := s.cluster.Postgres.Query(ctx, "postgres", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// clusterPorts are the server's own ports beyond the frontend's gRPC, HTTP and metrics.
type clusterPorts struct {
	FrontendMembership, HistoryGRPC, HistoryMembership, MatchingGRPC, MatchingMembership, WorkerGRPC, WorkerMembership int
}

// serverConfig is the server's static configuration (config/<env>.yaml).
var serverConfig = template.Must(template.New("cluster").Parse(`# Written by internal/stackrun for one stack: Temporal Server {{.Version}}, every service in one
# process, on PostgreSQL. Loopback only; local development credentials.
log:
  stdout: true
  level: {{.LogLevel}}
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: {{.Shards}}
  datastores:
{{- range .Stores}}
    {{.Name}}:
      sql:
        pluginName: {{$.Plugin}}
        databaseName: {{.Database}}
        connectAddr: "{{$.PGAddr}}"
        connectProtocol: tcp
        user: {{$.PGUser}}
        password: "{{$.PGPassword}}"
        maxConns: {{.Conns}}
        maxIdleConns: {{.Conns}}
        maxConnLifetime: 1h
{{- end}}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "{{.Host}}:{{.MetricsPort}}"
services:
  frontend:
    rpc:
      grpcPort: {{.FrontendPort}}
      membershipPort: {{.P.FrontendMembership}}
      httpPort: {{.HTTPPort}}
      bindOnLocalHost: true
  history:
    rpc:
      grpcPort: {{.P.HistoryGRPC}}
      membershipPort: {{.P.HistoryMembership}}
      bindOnLocalHost: true
  matching:
    rpc:
      grpcPort: {{.P.MatchingGRPC}}
      membershipPort: {{.P.MatchingMembership}}
      bindOnLocalHost: true
  worker:
    rpc:
      grpcPort: {{.P.WorkerGRPC}}
      membershipPort: {{.P.WorkerMembership}}
      bindOnLocalHost: true
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "{{.Host}}:{{.FrontendPort}}"
      httpAddress: "{{.Host}}:{{.HTTPPort}}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "{{.DynamicConfig}}"
  pollInterval: 10s
`))

// uiConfig is the Temporal UI server's configuration.
var uiConfig = template.Must(template.New("ui").Parse(`# Written by internal/stackrun: the Temporal UI {{.Version}} against the cluster.
temporalGrpcAddress: "{{.Temporal}}"
host: "{{.Host}}"
port: {{.Port}}
enableUi: true
defaultNamespace: {{.Namespace}}
refreshInterval: 0s
cors:
  cookieInsecure: true
  allowOrigins:
    - "http://{{.Host}}:{{.Port}}"
    - "http://localhost:{{.Port}}"
codec:
  endpoint: "{{.Codec}}"
forwardHeaders: []
hideLogs: false
`))

// datastore is one SQL store of the server's config: its name, database and pool size.
type datastore struct {
	Name, Database string
	Conns          int
}

// writeClusterConfig writes <dir>/temporal-server/config/cluster.yaml and returns the
// server's arguments.
func (s *Stack) writeClusterConfig(dir, host string, frontend, httpPort, metrics int, p clusterPorts, logLevel string) ([]string, error) {
	c := s.cluster
	root, err := writeConfig(dir, "temporal-server", serverConfig, map[string]any{
		"Version": ServerVersion, "LogLevel": logLevel, "Shards": c.Shards, "Plugin": sqlPlugin,
		"Stores": []datastore{
			{Name: "postgres-default", Database: c.Database, Conns: 20},
			{Name: "postgres-visibility", Database: c.VisibilityDatabase(), Conns: 10},
		},
		"PGAddr": c.Postgres.Addr(), "PGUser": c.Postgres.User, "PGPassword": c.Postgres.Password, "Host": host,
		"MetricsPort": metrics, "FrontendPort": frontend, "HTTPPort": httpPort, "P": p,
		"DynamicConfig": c.DynamicConfig,
	})
	if err != nil {
		return nil, err
	}
	return []string{"--root", root, "--config", "config", "--env", "cluster", "--allow-no-auth", "start"}, nil
}

// writeUIConfig writes the UI server's config and returns its arguments.
func writeUIConfig(dir, host string, port int, temporal, codecURL string) ([]string, error) {
	root, err := writeConfig(dir, "temporal-ui", uiConfig, map[string]any{
		"Version": UIVersion, "Temporal": temporal, "Host": host, "Port": port, "Namespace": Namespace, "Codec": codecURL,
	})
	if err != nil {
		return nil, err
	}
	return []string{"--root", root, "--config", "config", "--env", "cluster", "start"}, nil
}

// writeConfig renders t into <dir>/<name>/config/cluster.yaml, readable by the owner only (the
// server's holds the database password), and returns <dir>/<name>, the process's root.
func writeConfig(dir, name string, t *template.Template, data map[string]any) (string, error) {
	root := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(root, "config"), 0o700); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return root, os.WriteFile(filepath.Join(root, "config", "cluster.yaml"), b.Bytes(), 0o600)
}

// clusterReady is the cluster server's health check, and its set-up: it registers the
// namespace and the search attributes when they are missing (on the first start of a
// database; idempotent), and passes once both are there and a task queue can be described
// (the namespace is in every service's cache, so starts and polls work).
func (s *Stack) clusterReady(ctx context.Context) error {
	c, err := s.Dial(ctx, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	ws := c.WorkflowService()
	if _, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: Namespace}); err != nil {
		var nf *serviceerror.NamespaceNotFound
		if !errors.As(err, &nf) {
			return err
		}
		_, err := ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        Namespace,
			Description:                      "merchant onboarding (cluster profile)",
			WorkflowExecutionRetentionPeriod: durationpb.New(NamespaceRetention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("register namespace %s: %w", Namespace, err)
		}
		return errors.New("namespace registered; waiting for it to be served")
	}
	if err := registerSearchAttributes(ctx, c); err != nil {
		return err
	}
	_, err = c.DescribeTaskQueue(ctx, s.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	return err
}

// registerSearchAttributes adds the engine's search attributes (api.SearchAttributes)
// the namespace lacks.
func registerSearchAttributes(ctx context.Context, c client.Client) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: Namespace})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, sa := range api.SearchAttributes {
		t, ok := have.GetCustomAttributes()[sa.GetName()]
		if ok && t != sa.GetValueType() {
			return fmt.Errorf("search attribute %s is registered as %s, the engine needs %s", sa.GetName(), t, sa.GetValueType())
		}
		if !ok {
			missing[sa.GetName()] = sa.GetValueType()
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: Namespace, SearchAttributes: missing}); err != nil {
		var exists *serviceerror.AlreadyExists
		if !errors.As(err, &exists) {
			return fmt.Errorf("add search attributes: %w", err)
		}
	}
	return errors.New("search attributes added; waiting for them to be listed")
}
