package stackrun

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/merchantflow/onboarding/api"
)

// composeFile is the part of docker-compose.temporal.yml the cluster profile must match.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
}

// TestComposeMatchesTheClusterProfile holds docker-compose.temporal.yml, the Makefile,
// scripts/run-stack.sh and the dynamic config file to the cluster profile, so the two ways of
// running Temporal Server on PostgreSQL (and the dev server stacks) cannot drift apart: the
// same server and UI versions, database, credentials, shards, namespace and retention, the
// same search attributes, and one dynamic config file that carries the dev server's settings.
func TestComposeMatchesTheClusterProfile(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		require.NoError(t, err)
		return string(b)
	}
	var cf composeFile
	require.NoError(t, yaml.Unmarshal([]byte(read("docker-compose.temporal.yml")), &cf))

	t.Run("versions", func(t *testing.T) {
		require.Equal(t, "temporalio/auto-setup:"+ServerVersion, cf.Services["temporal"].Image)
		require.True(t, strings.HasPrefix(cf.Services["temporal-admin-tools"].Image, "temporalio/admin-tools:"+ServerVersion+"-"), cf.Services["temporal-admin-tools"].Image)
		require.True(t, strings.HasPrefix(cf.Services["temporal-register-search-attributes"].Image, "temporalio/admin-tools:"+ServerVersion+"-"))
		require.Equal(t, "temporalio/ui:"+UIVersion, cf.Services["temporal-ui"].Image)
		mk := read("Makefile")
		require.Regexp(t, `(?m)^TEMPORAL_SERVER_VERSION\s*:=\s*v`+regexp.QuoteMeta(ServerVersion)+`\s*$`, mk)
		require.Regexp(t, `(?m)^TEMPORAL_UI_VERSION\s*:=\s*v`+regexp.QuoteMeta(UIVersion)+`\s*$`, mk)
	})

	t.Run("environment", func(t *testing.T) {
		env := cf.Services["temporal"].Environment
		retention, err := strconv.Atoi(strings.TrimSuffix(env["DEFAULT_NAMESPACE_RETENTION"], "h"))
		require.NoError(t, err, env["DEFAULT_NAMESPACE_RETENTION"])
		for k, want := range map[string]string{
			"DB": sqlPlugin, "POSTGRES_USER": PostgresUser, "POSTGRES_PWD": PostgresPassword,
			"DBNAME": DefaultDatabase, "VISIBILITY_DBNAME": ClusterConfig{Database: DefaultDatabase}.VisibilityDatabase(),
			"NUM_HISTORY_SHARDS": strconv.Itoa(DefaultShards), "DEFAULT_NAMESPACE": Namespace,
			"DYNAMIC_CONFIG_FILE_PATH": "config/dynamicconfig/" + path.Base(DynamicConfigPath),
		} {
			require.Equal(t, want, env[k], k)
		}
		require.Equal(t, NamespaceRetention.Hours(), float64(retention))
		pg := cf.Services["postgresql"].Environment
		require.Equal(t, PostgresUser, pg["POSTGRES_USER"])
		require.Equal(t, PostgresPassword, pg["POSTGRES_PASSWORD"])
		require.Contains(t, cf.Services["temporal"].Volumes, "./"+path.Dir(DynamicConfigPath)+":/etc/temporal/config/dynamicconfig:ro",
			"compose mounts the cluster profile's dynamic config directory")
	})

	t.Run("search attributes", func(t *testing.T) {
		var want []string
		for _, sa := range api.SearchAttributes {
			want = append(want, sa.GetName()+"="+api.SearchAttributeType(sa))
		}
		// The cluster profile registers api.SearchAttributes itself; the compose
		// stack's script and make run's list must name the same.
		m := regexp.MustCompile(`(?m)^ATTRIBUTES="([^"]*)"`).FindStringSubmatch(read("deploy/temporal/register-search-attributes.sh"))
		require.NotNil(t, m, "ATTRIBUTES= in register-search-attributes.sh")
		require.ElementsMatch(t, want, strings.Fields(m[1]))
		m = regexp.MustCompile(`(?m)^SEARCH_ATTRIBUTES=\(([^)]*)\)`).FindStringSubmatch(read("scripts/run-stack.sh"))
		require.NotNil(t, m, "SEARCH_ATTRIBUTES=( in run-stack.sh")
		require.ElementsMatch(t, want, strings.Fields(m[1]))
	})

	t.Run("dynamic config", func(t *testing.T) {
		var dc map[string][]struct {
			Value       any            `yaml:"value"`
			Constraints map[string]any `yaml:"constraints"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(read(DynamicConfigPath)), &dc))
		value := func(key string) any {
			vs, ok := dc[key]
			require.True(t, ok, "%s: %s is missing", DynamicConfigPath, key)
			require.Len(t, vs, 1, key)
			require.Empty(t, vs[0].Constraints, key)
			return vs[0].Value
		}
		// The engine's own settings of the dev server stacks (stackrun and run-stack.sh).
		script := read("scripts/run-stack.sh")
		for _, kv := range DevDynamicConfig {
			require.Contains(t, script, "--dynamic-config-value "+kv, "run-stack.sh gives the dev server %s", kv)
			k, v, _ := strings.Cut(kv, "=")
			var want any
			require.NoError(t, json.Unmarshal([]byte(v), &want))
			require.Equal(t, want, jsonish(value(k)), k)
		}
		require.Len(t, regexp.MustCompile(`--dynamic-config-value`).FindAllString(script, -1), len(DevDynamicConfig),
			"run-stack.sh sets no dynamic config the cluster profile lacks")
		// The dev server's built-in defaults (Temporal CLI v1.5.1), so both servers behave alike.
		for k, want := range map[string]any{
			"system.forceSearchAttributesCacheRefreshOnRead": true,
			"frontend.persistenceMaxQPS":                     10000,
			"history.persistenceMaxQPS":                      45000,
			"history.hostLevelCacheMaxSize":                  8096,
			"frontend.namespaceRPS.visibility":               100,
		} {
			require.Equal(t, jsonish(want), jsonish(value(k)), k)
		}
	})
}

// jsonish is v as JSON decodes it (numbers as float64), so YAML and JSON values compare.
func jsonish(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
