package pg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver the module's snapshots use
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
)

// DockerImage is the pinned image of the docker provider: PostgreSQL 15,
// the major version the embedded provider and the project's measurements
// use.
const DockerImage = "postgres:15.13-alpine"

// ErrNoDocker means no Docker engine answered; errors wrapping it are one
// line that says what to do instead.
var ErrNoDocker = errors.New("no Docker engine answers")

// ErrNoSnapshot is returned by Snapshot and Restore for databases that are
// not in a container.
var ErrNoSnapshot = errors.New("snapshots need a docker database")

// DockerOptions configure StartDocker. The zero value is ready to use.
type DockerOptions struct {
	// Image overrides DockerImage.
	Image string
	// Settings are extra server settings (postgres -c name=value); they
	// override the defaults.
	Settings map[string]string
	// Logf, if set, receives progress messages (testcontainers' too).
	Logf func(format string, args ...any)
}

// dockerDB is the database StartDocker creates.
const dockerDB = embeddedDB

// StartDocker starts PostgreSQL in a container with testcontainers-go's
// postgres module and returns its database "tenantfuzz", connected as the
// superuser postgres over TCP. It first checks that a Docker engine
// answers (errors wrap ErrNoDocker). Close terminates the container.
func StartDocker(ctx context.Context, opts DockerOptions) (*Database, error) {
	installSignalHandler()
	if err := DockerAvailable(ctx); err != nil {
		return nil, err
	}
	image := opts.Image
	if image == "" {
		image = DockerImage
	}
	password := randomHex(12)
	ctr, err := tcpostgres.Run(ctx, image, dockerCustomizers(opts, password)...)
	d := &Database{Name: dockerDB, User: "postgres"}
	if ctr != nil { // register cleanup before checking the error
		d.closeFn = func(ctx context.Context) error { return stopContainer(d, ctr) }
		rememberContainer(d, ctr)
		if !register(d) {
			_ = d.Close(ctx)
			return nil, fmt.Errorf("start docker postgres: %w", errShuttingDown)
		}
	}
	if err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("start docker postgres %s: %w; check that the image can be pulled (docker pull %s)", image, err, image)
	}
	if err := connectDocker(ctx, d, ctr); err != nil {
		_ = d.Close(ctx)
		return nil, err
	}
	return d, nil
}

// dockerCustomizers are the container's options: database, credentials,
// the embedded provider's no-durability settings (TCP kept: the host
// reaches the container through a mapped port), data on tmpfs, a label,
// the module's wait strategy, and pgx for the module's snapshots.
func dockerCustomizers(opts DockerOptions, password string) []testcontainers.ContainerCustomizer {
	settings := map[string]string{}
	for _, kv := range baseSettings {
		switch kv[0] {
		case "listen_addresses", "dynamic_shared_memory_type":
			continue // the image listens on all addresses; posix shm is fine in a container
		}
		settings[kv[0]] = kv[1]
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	cmd := []string{"postgres"}
	for _, k := range names {
		cmd = append(cmd, "-c", k+"="+settings[k])
	}
	var logger tclog.Logger = tclog.NewNoopLogger()
	if opts.Logf != nil {
		logger = logfLogger(opts.Logf)
	}
	return []testcontainers.ContainerCustomizer{
		testcontainers.WithLogger(logger),
		tcpostgres.WithDatabase(dockerDB),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword(password),
		tcpostgres.WithSQLDriver("pgx"),
		testcontainers.WithCmd(cmd...),
		testcontainers.WithTmpfs(map[string]string{"/var/lib/postgresql/data": "rw"}),
		testcontainers.WithLabels(map[string]string{"org.tenantfuzz.provider": "docker"}),
		tcpostgres.BasicWaitStrategies(),
	}
}

// logfLogger adapts a Logf to testcontainers' logger.
type logfLogger func(format string, args ...any)

func (l logfLogger) Printf(format string, args ...any) { l(format, args...) }

// connectDocker fills in the DSN and what the server says about itself.
func connectDocker(ctx context.Context, d *Database, ctr *tcpostgres.PostgresContainer) error {
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return fmt.Errorf("read docker postgres address: %w", err)
	}
	d.DSN = dsn
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to docker postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version'), rolsuper
		FROM pg_roles WHERE rolname = current_user`).Scan(&d.VersionNum, &version, &d.Superuser); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	d.Version, _, _ = strings.Cut(version, " ")
	return nil
}

// DockerAvailable reports whether a Docker engine answers (the way
// testcontainers finds one: DOCKER_HOST, ~/.testcontainers.properties, the
// default socket). Its error wraps ErrNoDocker and is one line.
func DockerAvailable(ctx context.Context) error {
	if err := dockerHealth(ctx); err != nil {
		return fmt.Errorf("%w (%s): start Docker or set DOCKER_HOST, or use --postgres embedded", ErrNoDocker, firstLine(err.Error()))
	}
	return nil
}

// dockerHealth asks the engine for its info; testcontainers panics in
// places where no engine is found, so panics are errors too.
var dockerHealth = func(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Health(ctx)
}

// firstLine is the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "no detail"
}

// containers maps docker databases to their containers, for Snapshot and
// Restore.
var containers struct {
	sync.Mutex
	m map[*Database]*tcpostgres.PostgresContainer
}

func rememberContainer(d *Database, c *tcpostgres.PostgresContainer) {
	containers.Lock()
	defer containers.Unlock()
	if containers.m == nil {
		containers.m = map[*Database]*tcpostgres.PostgresContainer{}
	}
	containers.m[d] = c
}

func containerOf(d *Database) *tcpostgres.PostgresContainer {
	containers.Lock()
	defer containers.Unlock()
	return containers.m[d]
}

// stopContainer terminates the container (and its volumes) and forgets it.
func stopContainer(d *Database, c *tcpostgres.PostgresContainer) error {
	containers.Lock()
	delete(containers.m, d)
	containers.Unlock()
	if err := testcontainers.TerminateContainer(c, testcontainers.RemoveVolumes()); err != nil {
		return fmt.Errorf("terminate postgres container: %w; remove it with docker rm -f (label org.tenantfuzz.provider=docker)", err)
	}
	return nil
}

// Snapshot saves the docker database as a template (after the schema is
// applied, say), so Restore can bring it back between properties in about
// the time of a CREATE DATABASE ... TEMPLATE. Other databases return
// ErrNoSnapshot.
func (d *Database) Snapshot(ctx context.Context) error {
	c := containerOf(d)
	if c == nil {
		return ErrNoSnapshot
	}
	if err := c.Snapshot(ctx); err != nil {
		return fmt.Errorf("snapshot docker database: %w", err)
	}
	return nil
}

// Restore replaces the docker database by its last snapshot. It
// terminates every connection to the database: close pools first and
// reopen them after (for a harness.Target, open it again).
func (d *Database) Restore(ctx context.Context) error {
	c := containerOf(d)
	if c == nil {
		return ErrNoSnapshot
	}
	if err := c.Restore(ctx); err != nil {
		return fmt.Errorf("restore docker database: %w; take a Snapshot first", err)
	}
	return nil
}
