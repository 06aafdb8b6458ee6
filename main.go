// Command terraform-provider-knock serves the Knock provider to Terraform and OpenTofu over the plugin
// protocol (6); with -debug it runs for a debugger.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// providerAddress is the provider's registry address.
const providerAddress = "registry.terraform.io/knock-tf/knock"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	provider.QuietLogsTerraformDrops()
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve(providerAddress, provider.NewProtocol6Server(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}
