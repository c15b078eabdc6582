package stackrun

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestServerConfigNamesBothStores renders the server's and the UI's configs and reads them
// back: both SQL stores on their own database and pool, the password only in files the owner
// alone reads.
func TestServerConfigNamesBothStores(t *testing.T) {
	dir := t.TempDir()
	s := &Stack{cluster: &ClusterConfig{Database: "onb_x", Shards: 4, DynamicConfig: "/repo/dc.yaml",
		Postgres: Postgres{Host: "127.0.0.1", Port: 5432, User: "temporal", Password: "pw-1"}}}
	args, err := s.writeClusterConfig(dir, "127.0.0.1", 7233, 7243, 9090, clusterPorts{6933, 7234, 6934, 7235, 6935, 7239, 6939}, "warn")
	require.NoError(t, err)
	require.Equal(t, []string{"--root", filepath.Join(dir, "temporal-server"), "--config", "config", "--env", "cluster", "--allow-no-auth", "start"}, args)

	var cfg struct {
		Persistence struct {
			DefaultStore    string `yaml:"defaultStore"`
			VisibilityStore string `yaml:"visibilityStore"`
			Datastores      map[string]struct {
				SQL struct {
					PluginName   string `yaml:"pluginName"`
					DatabaseName string `yaml:"databaseName"`
					ConnectAddr  string `yaml:"connectAddr"`
					Password     string `yaml:"password"`
					MaxConns     int    `yaml:"maxConns"`
					MaxIdleConns int    `yaml:"maxIdleConns"`
				} `yaml:"sql"`
			} `yaml:"datastores"`
		} `yaml:"persistence"`
	}
	file := filepath.Join(dir, "temporal-server", "config", "cluster.yaml")
	readYAML(t, file, &cfg)
	p := cfg.Persistence
	require.Len(t, p.Datastores, 2)
	for store, want := range map[string]struct {
		db    string
		conns int
	}{p.DefaultStore: {"onb_x", 20}, p.VisibilityStore: {"onb_x_visibility", 10}} {
		sql := p.Datastores[store].SQL
		require.Equal(t, want.db, sql.DatabaseName, store)
		require.Equal(t, want.conns, sql.MaxConns, store)
		require.Equal(t, want.conns, sql.MaxIdleConns, store)
		require.Equal(t, sqlPlugin, sql.PluginName, store)
		require.Equal(t, "127.0.0.1:5432", sql.ConnectAddr, store)
		require.Equal(t, "pw-1", sql.Password, store)
	}
	info, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	args, err = writeUIConfig(dir, "127.0.0.1", 8233, "127.0.0.1:7233", "http://127.0.0.1:8080/codec/t/tok")
	require.NoError(t, err)
	require.Equal(t, []string{"--root", filepath.Join(dir, "temporal-ui"), "--config", "config", "--env", "cluster", "start"}, args)
	var ui struct {
		Temporal string `yaml:"temporalGrpcAddress"`
		Port     int    `yaml:"port"`
		Codec    struct {
			Endpoint string `yaml:"endpoint"`
		} `yaml:"codec"`
	}
	readYAML(t, filepath.Join(dir, "temporal-ui", "config", "cluster.yaml"), &ui)
	require.Equal(t, "127.0.0.1:7233", ui.Temporal)
	require.Equal(t, 8233, ui.Port)
	require.Equal(t, "http://127.0.0.1:8080/codec/t/tok", ui.Codec.Endpoint)
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, v))
}
