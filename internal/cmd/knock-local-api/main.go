// Command knock-local-api serves the local Knock API (an in-memory stand-in for Knock's audience
// endpoints and the Management API's audience endpoints) on a loopback address, for the demo and for
// trying the provider without a Knock account.
//
//	knock-local-api -addr 127.0.0.1:8080 -api-key sk_test_local -audience beta-testers
//	knock-local-api -api-key sk_test_dev,sk_test_prod -service-token knock_st_local -environment sk_test_prod=staging
//
// Point the provider at it with KNOCK_BASE_URL=http://127.0.0.1:8080 and KNOCK_API_KEY=sk_test_local;
// for knock_audience also KNOCK_MANAGEMENT_BASE_URL=http://127.0.0.1:8080 and KNOCK_SERVICE_TOKEN with
// a token given to -service-token (the Management API accepts none without one).
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
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
	tokens := flag.String("service-token", "", "comma-separated Management API service tokens to accept (knock_st_...); none by default, which leaves the Management API answering 401 (env KNOCK_LOCAL_API_SERVICE_TOKEN)")
	urlFile := flag.String("url-file", "", "write the base URL to this file once listening (useful with port 0)")
	var audiences []string
	flag.Func("audience", "create this static audience in the first key's environment at start (repeatable)", func(key string) error {
		audiences = append(audiences, key)
		return nil
	})
	var names []string
	if env := os.Getenv("KNOCK_LOCAL_API_ENVIRONMENTS"); env != "" {
		names = strings.Split(env, ",")
	}
	flag.Func("environment", "KEY=SLUG: the Management API's name of the environment of secret key KEY (repeatable); by default the first key is development, the second production, further ones environment-3, environment-4... (env KNOCK_LOCAL_API_ENVIRONMENTS, comma-separated)", func(pair string) error {
		names = append(names, pair)
		return nil
	})
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprint(out, `Usage: knock-local-api [flags]

Serves the local Knock API in memory: Knock's audience-membership endpoints (secret keys, one
environment per key) and the Management API's audience endpoints (service tokens; environments by
slug), on one loopback address.

  knock-local-api -addr 127.0.0.1:8080 -api-key sk_test_local -audience beta-testers
  knock-local-api -api-key sk_test_dev,sk_test_prod -service-token knock_st_local -environment sk_test_prod=staging

Flags:
`)
		flag.PrintDefaults()
	}
	flag.Parse()
	// The token's variable is read after parsing so that -h never shows a token as the default.
	if *tokens == "" {
		*tokens = os.Getenv("KNOCK_LOCAL_API_SERVICE_TOKEN")
	}

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", *addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: the local Knock API only listens on loopback addresses such as 127.0.0.1", *addr)
	}

	apiKeys := strings.Split(*keys, ",")
	srv := localknock.New(apiKeys...)
	if err := nameEnvironments(srv, apiKeys, names); err != nil {
		return err
	}
	if *tokens != "" {
		for _, token := range strings.Split(*tokens, ",") {
			srv.AddServiceToken(token)
		}
	}
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
	slugs := make([]string, len(apiKeys))
	for i, key := range apiKeys {
		slugs[i] = srv.EnvironmentSlug(key)
	}
	fmt.Fprintf(os.Stderr, "local Knock API listening on %s (audiences: %s; environments: %s)\n", srv.URL(), strings.Join(audiences, ", "), strings.Join(slugs, ", "))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	counts := srv.Requests()
	fmt.Fprintf(os.Stderr, "local Knock API stopped after serving %d add, %d remove and %d list requests, and %d Management API requests\n",
		counts[localknock.EndpointAdd], counts[localknock.EndpointRemove], counts[localknock.EndpointList],
		counts[localknock.EndpointAudienceList]+counts[localknock.EndpointAudienceGet]+counts[localknock.EndpointAudienceUpsert]+
			counts[localknock.EndpointAudienceValidate]+counts[localknock.EndpointAudienceArchive])
	return nil
}

// nameEnvironments applies KEY=SLUG pairs, refusing a key the server does not accept and two
// environments with one name; it renames through temporary names so that two keys can swap theirs.
// An error names a key by its slug only: a key is a secret.
func nameEnvironments(srv *localknock.Server, apiKeys, pairs []string) error {
	final := map[string]string{}
	for _, key := range apiKeys {
		final[key] = srv.EnvironmentSlug(key)
	}
	renamed := map[string]string{}
	for _, pair := range pairs {
		key, slug, ok := strings.Cut(pair, "=")
		if !ok || key == "" || slug == "" {
			return errors.New("-environment: want KEY=SLUG, such as sk_test_prod=production")
		}
		if !slices.Contains(apiKeys, key) {
			return fmt.Errorf("-environment ...=%s: the key is not one of -api-key's", slug)
		}
		final[key] = slug
		renamed[key] = slug
	}
	seen := map[string]bool{}
	for _, key := range apiKeys {
		if seen[final[key]] {
			return fmt.Errorf("-environment: two environments would be named %q; name the other one too", final[key])
		}
		seen[final[key]] = true
	}
	for i, key := range apiKeys {
		if _, ok := renamed[key]; ok {
			srv.NameEnvironment(key, fmt.Sprintf("\x00renaming-%d", i))
		}
	}
	for key, slug := range renamed {
		srv.NameEnvironment(key, slug)
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
