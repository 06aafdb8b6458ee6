# terraform query (Terraform 1.14+) lists the memberships of an audience; with
# -generate-config-out=generated.tf it writes a knock_audience_member block with an import block for each.
list "knock_audience_member" "beta" {
  provider = knock
  limit    = 1000

  config {
    audience_key = "beta-testers"
    # tenant     = "acme" # only the memberships under one tenant
  }
}
