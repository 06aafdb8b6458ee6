package audience

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// The descriptions of the definition's attributes, which the resource and the data source share.
const (
	descKey         = "Key of the audience, as in Knock's API and dashboard."
	descName        = "Name of the audience, shown in Knock's dashboard."
	descDescription = "Description of the audience."
	descSegments    = "The conditions of a dynamic audience: a user is a member when it matches any segment, and it matches " +
		"a segment when it meets all of the segment's conditions."
	descConditions  = "The conditions of the segment, all of which a member meets."
	descProperty    = "The property to evaluate, a path such as `recipient.plan` or `recipient.created_at`."
	descSHA         = "Knock's hash of the audience's content, which changes with every change of the definition."
	descEnvironment = "The Knock environment (slug) the audience is managed in: the provider's `environment`."
)

// descOperator lists Knock's operators, from knockmgmt.Operators.
func descOperator() string {
	return "How the property is compared: one of " + codeList(knockmgmt.Operators) + "."
}

// descArgument names the operators that take no argument, from knockmgmt.OperatorTakesArgument.
func descArgument() string {
	var without []string
	for _, op := range knockmgmt.Operators {
		if !knockmgmt.OperatorTakesArgument(op) {
			without = append(without, op)
		}
	}
	return "What the property is compared with: required by the operators that compare with a value, and not set for " +
		codeList(without) + ". For `is_audience_member` and `is_not_audience_member`, the key of the other audience: write " +
		"`knock_audience.other.key` so that Terraform creates that audience first."
}

// codeList writes names as Markdown code, comma-separated.
func codeList(names []string) string {
	return "`" + strings.Join(names, "`, `") + "`"
}

// resourceSegments is the segments attribute of the resource, validated as the configuration is.
func resourceSegments() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: descSegments + " Required when `type` is `dynamic`, not set when it is `static`.",
		Optional:            true,
		Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"conditions": schema.ListNestedAttribute{
				MarkdownDescription: descConditions,
				Required:            true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{
					Validators: []validator.Object{argumentRule{}},
					Attributes: map[string]schema.Attribute{
						"property": schema.StringAttribute{MarkdownDescription: descProperty, Required: true},
						"operator": schema.StringAttribute{MarkdownDescription: descOperator(), Required: true, Validators: []validator.String{operatorRule{}}},
						"argument": schema.StringAttribute{MarkdownDescription: descArgument(), Optional: true},
					},
				},
			},
		}},
	}
}

// dataSourceSegments is the segments attribute of the data source: what Knock holds.
func dataSourceSegments() dsschema.ListNestedAttribute {
	return dsschema.ListNestedAttribute{
		MarkdownDescription: descSegments + " Null for a static audience.",
		Computed:            true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"conditions": dsschema.ListNestedAttribute{
				MarkdownDescription: descConditions,
				Computed:            true,
				NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
					"property": dsschema.StringAttribute{MarkdownDescription: descProperty, Computed: true},
					"operator": dsschema.StringAttribute{MarkdownDescription: descOperator(), Computed: true},
					"argument": dsschema.StringAttribute{MarkdownDescription: descArgument(), Computed: true},
				}},
			},
		}},
	}
}
