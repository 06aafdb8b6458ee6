# Import an audience's memberships by the audience key.
terraform import knock_audience_members.beta beta-testers

# A resource with tenant is imported as AUDIENCE_KEY/TENANT. Each part is escaped like a URL path segment,
# as knock_audience_member's ids are: a "/" inside a key or tenant is written %2F, a "%" %25.
terraform import knock_audience_members.admins_acme admins/acme
