# A membership without tenant: audience_key/user_id.
import {
  to = knock_audience_member.beta["user-1"]
  id = "beta-testers/user-1"
}

# A membership under a tenant: audience_key/user_id/tenant, with "/" inside a part written as %2F.
import {
  to = knock_audience_member.team
  id = "admins/team%2F7/acme"
}
