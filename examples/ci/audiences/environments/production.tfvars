environment = "production"

beta_testers = [
  "alice",
  "bob",
]
