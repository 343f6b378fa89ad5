variable "bucket_name" {
  type    = string
  default = "example-assets"
}
