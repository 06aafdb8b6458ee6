# terraform query (Terraform 1.14+) lists the audiences of the provider's environment; with
# -generate-config-out=generated.tf it writes a knock_audience block with an import block for each.
list "knock_audience" "all" {
  provider = knock

  config {
    # type = "static" # only the static audiences (or "dynamic")
  }
}
