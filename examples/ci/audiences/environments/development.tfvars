environment = "development"

beta_testers = [
  "qa-robot",
  "dev-alice",
  "dev-bob",
]

# Development audiences are rebuilt often: no removal limit.
max_removal_percent = 100
