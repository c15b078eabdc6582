package stackrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Binaries are the executables a stack runs.
type Binaries struct {
	Temporal string // the Temporal CLI (server start-dev)
	Sandbox  string
	Worker   string
	Gateway  string
	// The cluster profile's: Temporal Server, its SQL schema tool and the Temporal UI server
	// (`make cluster-tools`).
	Server, SQLTool, UI string
}

// BinariesIn returns the binaries named temporal, sandbox, worker and gateway in dir (the
// repository's bin/ after `make build`).
func BinariesIn(dir string) Binaries {
	return Binaries{
		Temporal: filepath.Join(dir, "temporal"),
		Sandbox:  filepath.Join(dir, "sandbox"),
		Worker:   filepath.Join(dir, "worker"),
		Gateway:  filepath.Join(dir, "gateway"),
		Server:   filepath.Join(dir, "temporal-server"),
		SQLTool:  filepath.Join(dir, "temporal-sql-tool"),
		UI:       filepath.Join(dir, "temporal-ui-server"),
	}
}

// Check reports the first binary that is missing or not executable, with the make target
// that provides it.
func (b Binaries) Check() error { return b.check(nil) }

// check is Check for a stack with the cluster profile c (nil: the dev server's binaries).
func (b Binaries) check(c *ClusterConfig) error {
	type bin struct{ path, hint string }
	bins := []bin{{b.Sandbox, "make build"}, {b.Worker, "make build"}, {b.Gateway, "make build"}}
	if c == nil {
		bins = append(bins, bin{b.Temporal, "make tools"})
	} else {
		bins = append(bins, bin{b.Server, "make cluster-tools"}, bin{b.SQLTool, "make cluster-tools"})
		if c.UI {
			bins = append(bins, bin{b.UI, "make cluster-tools"})
		}
	}
	for _, f := range bins {
		st, err := os.Stat(f.path)
		if err != nil {
			return fmt.Errorf("stackrun: %s is missing (%s builds it): %w", f.path, f.hint, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return fmt.Errorf("stackrun: %s is not an executable file", f.path)
		}
	}
	return nil
}

// RepoRoot finds the module root (the directory with go.mod) at or above the working
// directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stackrun: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// Build compiles sandbox, worker and gateway from the module at root into outDir with
// `go build` and returns them with the Temporal CLI and the cluster profile's binaries from
// root/bin (`make tools`, `make cluster-tools`); Start checks that the ones it needs exist.
func Build(ctx context.Context, root, outDir string) (Binaries, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", outDir+string(filepath.Separator), "./sandbox", "./worker", "./gateway")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("stackrun: go build: %w\n%s", err, out)
	}
	b := BinariesIn(outDir)
	tools := BinariesIn(filepath.Join(root, "bin"))
	b.Temporal, b.Server, b.SQLTool, b.UI = tools.Temporal, tools.Server, tools.SQLTool, tools.UI
	return b, nil
}
