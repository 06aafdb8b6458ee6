package provider

// NewProtocol6ServerWithWindows is NewProtocol6Server whose knock_audience_member batches its writes
// within the given windows, for the acceptance tests (package provider_test) that pin request counts.
var NewProtocol6ServerWithWindows = newProtocol6Server
