# A membership without tenant: audience_key/user_id.
terraform import 'knock_audience_member.beta["user-1"]' beta-testers/user-1

# A membership under a tenant: audience_key/user_id/tenant.
terraform import knock_audience_member.acme_admin admins/user-42/acme

# Each part is escaped like a URL path segment: write "/" inside a key or id as %2F and "%" as %25.
# User "team/7" under tenant "acme":
terraform import knock_audience_member.team admins/team%2F7/acme
