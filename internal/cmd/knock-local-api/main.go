// Command knock-local-api serves the local Knock API (an in-memory stand-in for Knock's audience
// endpoints) on a loopback address, for the demo and for trying the provider without a Knock account.
//
//	knock-local-api -addr 127.0.0.1:8080 -api-key sk_test_local -audience beta-testers
//
// Point the provider at it with KNOCK_BASE_URL=http://127.0.0.1:8080 and KNOCK_API_KEY=sk_test_local.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "knock-local-api:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", envOr("KNOCK_LOCAL_API_ADDR", "127.0.0.1:8080"), "loopback address to listen on; port 0 picks a free port (env KNOCK_LOCAL_API_ADDR)")
	keys := flag.String("api-key", envOr("KNOCK_LOCAL_API_KEY", "sk_test_local"), "comma-separated secret keys to accept, one environment each (env KNOCK_LOCAL_API_KEY)")
	urlFile := flag.String("url-file", "", "write the base URL to this file once listening (useful with port 0)")
	var audiences []string
	flag.Func("audience", "create this static audience in the first key's environment at start (repeatable)", func(key string) error {
		audiences = append(audiences, key)
		return nil
	})
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", *addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: the local Knock API only listens on loopback addresses such as 127.0.0.1", *addr)
	}

	srv := localknock.New(strings.Split(*keys, ",")...)
	for _, key := range audiences {
		srv.CreateAudience(key)
	}
	if err := srv.Start(*addr); err != nil {
		return err
	}
	defer srv.Close()
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(srv.URL()+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "local Knock API listening on %s (audiences: %s)\n", srv.URL(), strings.Join(audiences, ", "))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	counts := srv.Requests()
	fmt.Fprintf(os.Stderr, "local Knock API stopped after serving %d add, %d remove and %d list requests\n",
		counts[localknock.EndpointAdd], counts[localknock.EndpointRemove], counts[localknock.EndpointList])
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
