package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/apiclient"
)

// apiServeCmd serves the reference service (or a service mutant) as a
// process of its own, on a database that already holds the reference
// schema: DATABASE_URL names it and TENANTFUZZ_APP_ROLE the application
// role, as tenantfuzz api --serve-cmd sets them. HS256 tokens signed with
// the key of --jwt-secret-file name the tenant in tenant_id. It prints
// "listening on URL" and serves until SIGTERM or SIGINT. A helper for
// trying and testing the --url path, not a product.
func apiServeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("api serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "`ADDR` to listen on")
	secret := fs.String("jwt-secret-file", "", "`FILE` with the HS256 secret tokens are signed with")
	mutantName := fs.String("mutant", "", "serve this service mutant instead of the reference service")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz api serve: "+format+"\n", a...)
		return exitUsage
	}
	dsn, role := os.Getenv("DATABASE_URL"), os.Getenv("TENANTFUZZ_APP_ROLE")
	if role == "" {
		role = "app_user"
	}
	var m *api.Mutant
	if *mutantName != "" {
		if m = api.MutantByName(*mutantName); m == nil {
			return fail("unknown --mutant %q (tenantfuzz api --list-mutants lists them)", *mutantName)
		}
	}
	if dsn == "" {
		return fail("no DATABASE_URL in the environment (tenantfuzz api --serve-cmd sets it)")
	}
	key, method, err := apiclient.LoadKey(*secret)
	if *secret == "" || err != nil || method.Alg() != "HS256" {
		return fail("--jwt-secret-file: want a file holding an HS256 secret (%v)", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	app, err := api.AppPool(ctx, dsn, role)
	if err != nil {
		return fail("%v", err)
	}
	defer app.Close()
	owner, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fail("open owner pool: %v", err)
	}
	defer owner.Close()
	svc := m.Apply(&api.Service{App: app, Owner: owner, Key: key.([]byte), Hooks: api.Reference()})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail("listen: %v", err)
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "tenantfuzz api serve: listening on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail("serve: %v", err)
	}
	return exitOK
}

// apiTokenCmd prints a valid token (an hour) for a tenant, signed with the
// key of --jwt-secret-file: the --auth-cmd of the tests and examples.
func apiTokenCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("api token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("jwt-secret-file", "", "`FILE` with the signing key (HS256 secret, PEM RSA or P-256 EC private key)")
	claim := fs.String("jwt-claim", api.ClaimTenant, "the claim that names the tenant")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "tenantfuzz api token: usage: tenantfuzz api token --jwt-secret-file FILE TENANT_ID")
		return exitUsage
	}
	key, method, err := apiclient.LoadKey(*secret)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz api token: %v\n", err)
		return exitUsage
	}
	c := &apiclient.Credentials{Key: key, Method: method, Claim: *claim}
	t := apiclient.Tenant{ID: fs.Arg(0)}
	m, err := c.Mint(context.Background(), api.Valid, t, t, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz api token: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, m.Token)
	return exitOK
}
