package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestServer_routesEveryResourceCall: server embeds the framework's server, so a call that
// terraform-plugin-go adds to tfprotov6.ResourceServer or tfprotov6.DataSourceServer would silently go
// to the framework, which does not know knock_audience_members. Every call of those interfaces must be
// declared on server itself.
func TestServer_routesEveryResourceCall(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
			continue
		}
		if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
			if ident, ok := star.X.(*ast.Ident); ok && ident.Name == "server" {
				declared[fn.Name.Name] = true
			}
		}
	}
	for _, iface := range []reflect.Type{
		reflect.TypeFor[tfprotov6.ResourceServer](), reflect.TypeFor[tfprotov6.DataSourceServer](),
	} {
		for i := range iface.NumMethod() {
			if name := iface.Method(i).Name; !declared[name] {
				t.Errorf("tfprotov6.%s has %s, which server.go does not route: knock_audience_members calls would reach the framework", iface.Name(), name)
			}
		}
	}
}
