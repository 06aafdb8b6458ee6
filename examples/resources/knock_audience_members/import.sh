# Import an audience's memberships by the audience key.
terraform import knock_audience_members.beta beta-testers
