# One membership per user: other members of the audience, added by other modules, syncs or the
# dashboard, are left alone.
locals {
  beta_user_ids = ["user-1", "user-2", "user-3"]
}

resource "knock_audience_member" "beta" {
  for_each = toset(local.beta_user_ids)

  audience_key = "beta-testers"
  user_id      = each.key
}

# A membership under a tenant. The same user can also be a member without tenant, or under other
# tenants: each is its own membership and its own resource.
resource "knock_audience_member" "acme_admin" {
  audience_key = "admins"
  user_id      = "user-42"
  tenant       = "acme"
}
