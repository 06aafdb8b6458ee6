# The id is the audience key; the audience is read in the provider's environment.
terraform import knock_audience.beta beta-testers
