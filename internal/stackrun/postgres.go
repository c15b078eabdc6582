package stackrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Postgres is the PostgreSQL server the cluster profile keeps Temporal's state in: the
// machine's own cluster (Debian's postgresql-common), reached on loopback with a password.
type Postgres struct {
	Host     string
	Port     int
	User     string
	Password string
	// Version and Cluster name the Debian cluster ("15", "main") that pg_ctlcluster starts,
	// stops and restarts; empty for a server this package does not manage.
	Version, Cluster string
}

// Local PostgreSQL role of the cluster profile. The same fixed, loopback-only credentials as
// docker-compose.temporal.yml (local development only; a test holds the two together).
const (
	PostgresUser     = "temporal"
	PostgresPassword = "temporal"
)

// ErrNoPostgres says PostgreSQL is not installed here (no pg_ctlcluster, no pg_lsclusters).
var ErrNoPostgres = errors.New("stackrun: PostgreSQL is not installed (no pg_lsclusters / pg_ctlcluster on PATH)")

// EnsurePostgres finds the machine's PostgreSQL cluster, starts it when it is stopped, and
// makes sure the role PostgresUser exists with the right to create databases (as root, through
// the postgres system user). It returns ErrNoPostgres where PostgreSQL is not installed.
func EnsurePostgres(ctx context.Context) (Postgres, error) {
	if _, err := exec.LookPath("pg_lsclusters"); err != nil {
		return Postgres{}, ErrNoPostgres
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return Postgres{}, ErrNoPostgres
	}
	out, err := exec.CommandContext(ctx, "pg_lsclusters", "--no-header").Output()
	if err != nil {
		return Postgres{}, fmt.Errorf("stackrun: pg_lsclusters: %w", err)
	}
	// "15  main    5432 down   postgres /var/lib/postgresql/15/main /var/log/..."
	var pg Postgres
	var status string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		port, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		pg = Postgres{Host: "127.0.0.1", Port: port, User: PostgresUser, Password: PostgresPassword, Version: f[0], Cluster: f[1]}
		status = f[3]
		break
	}
	if pg.Port == 0 {
		return Postgres{}, fmt.Errorf("%w: pg_lsclusters lists no cluster", ErrNoPostgres)
	}
	if !strings.HasPrefix(status, "online") {
		if err := pg.ctl("start"); err != nil {
			return Postgres{}, err
		}
	}
	if err := pg.waitReady(ctx, time.Minute); err != nil {
		return Postgres{}, err
	}
	if err := pg.ensureRole(ctx); err != nil {
		return Postgres{}, err
	}
	return pg, nil
}

// Addr is host:port.
func (pg Postgres) Addr() string { return pg.Host + ":" + strconv.Itoa(pg.Port) }

// ctl runs pg_ctlcluster <version> <cluster> <action> (start, stop, restart), without
// systemd: the machines this runs on have none.
func (pg Postgres) ctl(action string) error {
	if pg.Version == "" {
		return fmt.Errorf("stackrun: PostgreSQL at %s is not managed here; cannot %s it", pg.Addr(), action)
	}
	// Not cut short by ctx: a restart killed halfway leaves the cluster stopped for every
	// other user of the machine. pg_ctlcluster waits for the server itself (a minute at most).
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "pg_ctlcluster", "--skip-systemctl-redirect", pg.Version, pg.Cluster, action)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("stackrun: pg_ctlcluster %s %s %s: %w: %s", pg.Version, pg.Cluster, action, err, bytes.TrimSpace(out))
	}
	return nil
}

// Restart restarts the PostgreSQL cluster (a fast shutdown: connections are cut) and waits
// until it accepts connections again. The restart itself runs to its end even when ctx ends.
func (pg Postgres) Restart(ctx context.Context) error {
	if err := pg.ctl("restart"); err != nil {
		return err
	}
	return pg.waitReady(context.WithoutCancel(ctx), time.Minute)
}

// Stop and Start stop and start the PostgreSQL cluster.
func (pg Postgres) Stop(ctx context.Context) error { return pg.ctl("stop") }

// Start starts the cluster and waits until it accepts connections.
func (pg Postgres) Start(ctx context.Context) error {
	if err := pg.ctl("start"); err != nil {
		return err
	}
	return pg.waitReady(ctx, time.Minute)
}

func (pg Postgres) waitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := exec.CommandContext(ctx, "pg_isready", "-q", "-h", pg.Host, "-p", strconv.Itoa(pg.Port)).Run()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("stackrun: PostgreSQL at %s not ready: %v", pg.Addr(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ensureRole creates the role as the postgres superuser when it is missing. Only root can
// switch to the postgres user; anyone else must have made the role already.
func (pg Postgres) ensureRole(ctx context.Context) error {
	if ok, _ := pg.canLogin(ctx); ok {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("stackrun: cannot log in to PostgreSQL at %s as %s, and only root can create the role; as a superuser: CREATE ROLE %s LOGIN CREATEDB PASSWORD '...'", pg.Addr(), pg.User, pg.User)
	}
	sql := fmt.Sprintf(`DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN CREATE ROLE %[1]s LOGIN CREATEDB PASSWORD '%[2]s';
  ELSE ALTER ROLE %[1]s LOGIN CREATEDB PASSWORD '%[2]s'; END IF; END $$;`, pg.User, pg.Password)
	cmd := exec.CommandContext(ctx, "runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", strconv.Itoa(pg.Port), "-d", "postgres", "-c", sql)
	cmd.Dir = "/" // psql as postgres may not read root's working directory
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("stackrun: create PostgreSQL role %s: %w: %s", pg.User, err, bytes.TrimSpace(out))
	}
	return nil
}

func (pg Postgres) canLogin(ctx context.Context) (bool, error) {
	_, err := pg.Query(ctx, "postgres", "SELECT 1")
	return err == nil, err
}

// Query runs one SQL statement with psql as the role, on loopback, and returns its output
// unaligned, without headers (one row a line).
func (pg Postgres) Query(ctx context.Context, db, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
		"-h", pg.Host, "-p", strconv.Itoa(pg.Port), "-U", pg.User, "-d", db, "-c", sql)
	cmd.Env = append(baseEnv(), "PGPASSWORD="+pg.Password, "PGCONNECT_TIMEOUT=5")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("stackrun: psql %q: %w: %s", sql, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), nil
}

// DatabaseSize is pg_database_size(db) in bytes.
func (pg Postgres) DatabaseSize(ctx context.Context, db string) (int64, error) {
	out, err := pg.Query(ctx, "postgres", fmt.Sprintf("SELECT pg_database_size('%s')", strings.ReplaceAll(db, "'", "''")))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(out, 10, 64)
}
