module github.com/knock-tf/terraform-provider-knock

go 1.26.8
