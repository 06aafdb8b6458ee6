package knockmgmt

import (
	"strings"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// EnvServiceToken is the environment variable Knock's Management API SDKs read the service token from.
const EnvServiceToken = "KNOCK_SERVICE_TOKEN"

// ServiceTokenProblem says what is wrong with a service token that the Management API cannot accept, as
// the end of a sentence ("the service token is an environment's secret key..."), or "" when nothing is.
// Found before any request: an environment key gets a 401 from the Management API that does not say why.
func ServiceTokenProblem(token string) string {
	if problem := knockhttp.SecretProblem(token, "token", EnvServiceToken); problem != "" {
		return problem
	}
	switch {
	case strings.HasPrefix(token, knockhttp.SecretKeyPrefix):
		return "is an environment's secret key (sk_...), which works only with the Knock API: it belongs in api_key " +
			"(or KNOCK_API_KEY). The Management API needs a service token (knock_st_...) of the Knock account"
	case strings.HasPrefix(token, knockhttp.PublishableKeyPrefix):
		return "is an environment's publishable key (pk_...), an environment key, not a service token; environment keys " +
			"belong in api_key (the secret key, sk_...). The Management API needs a service token (knock_st_...) of the Knock account"
	case !strings.HasPrefix(token, knockhttp.ServiceTokenPrefix):
		return "does not start with knock_st_, as every Knock service token does; copy the service token again from the " +
			"Knock dashboard (service tokens belong to the account, not to an environment)"
	}
	return ""
}
