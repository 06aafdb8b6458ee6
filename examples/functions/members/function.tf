locals {
  beta_user_ids = ["user-1", "user-2", "user-3"]
}

resource "knock_audience_members" "beta" {
  audience_key = "beta-testers"
  members      = provider::knock::members(local.beta_user_ids)
}

# Every membership under one tenant.
resource "knock_audience_members" "acme_admins" {
  audience_key = "admins"
  tenant       = "acme"
  members      = provider::knock::members(["user-7", "user-9"])
}
