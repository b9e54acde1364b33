package policy

// A Default is one of Glance's registered policy rules: its name, its
// secure-RBAC check string, the deprecated check string oslo.policy ORs
// in when enforce_new_defaults is off, and its scope types.
type Default struct {
	Name  string
	Check string
	// Legacy is the deprecated default, or nil when the rule has none.
	Legacy *string
	// Project marks scope_types = ['project']: with enforce_scope, a
	// system- or domain-scoped caller fails the rule.
	Project    bool
	Operations []string
}

// Glance's building blocks for the secure-RBAC defaults.
const (
	projectMember   = "role:member and project_id:%(project_id)s"
	projectReader   = "role:reader and project_id:%(project_id)s"
	imageMember     = "project_id:%(member_id)s"
	visibleByOthers = "'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s"

	admin                  = "role:admin"
	adminOrProjectMember   = "role:admin or (" + projectMember + ")"
	adminOrProjectReader   = "role:admin or (" + projectReader + ")"
	adminOrReaderGetImage  = "role:admin or (role:reader and (project_id:%(project_id)s or " + imageMember + " or " + visibleByOthers + "))"
	adminOrMemberDownload  = "role:admin or (role:member and (project_id:%(project_id)s or " + imageMember + " or " + visibleByOthers + "))"
	adminOrMemberCreate    = "role:admin or (" + projectMember + " and project_id:%(owner)s)"
	adminOrSharedMember    = "role:admin or (role:member and " + imageMember + ")"
	adminOrReaderOrMember  = "role:admin or role:reader and (project_id:%(project_id)s or " + imageMember + ")"
	serviceOrProjectMember = "rule:service_api or (" + projectMember + " and project_id:%(owner)s)"
	adminOrReaderNamespace = "role:admin or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))"
	metadefAdmin           = "rule:metadef_admin"
	ruleDefault            = "rule:default"
	ruleMetadefDefault     = "rule:metadef_default"
	ruleManageImageCache   = "rule:manage_image_cache"
	deprecatedDefaultAdmin = "role:admin"
	serviceRole            = "role:service or role:admin"
	imagePath              = "/v2/images/{image_id}"
	namespacePath          = "/v2/metadefs/namespaces/{namespace_name}"
)

func legacy(check string) *string { return &check }

// image builds a project-scoped rule.
func image(name, check string, old *string, ops ...string) Default {
	return Default{Name: name, Check: check, Legacy: old, Project: true, Operations: ops}
}

// Defaults are Glance's registered rules for the whole v2 API, in the
// order Glance registers them: Zed's rules with Zed's defaults, and the
// rules later releases added (service_api, download_from_store,
// add_image_location, fetch_image_location, the cache API's) with
// theirs. Rules of APIs this server does not serve yet are here too, so
// that a policy file naming them is accepted and the dump is complete.
var Defaults = []Default{
	{Name: "default", Check: "", Legacy: legacy(deprecatedDefaultAdmin)},
	{Name: "context_is_admin", Check: admin},
	{Name: "service_api", Check: serviceRole},

	image("add_image", adminOrMemberCreate, legacy(ruleDefault), "POST /v2/images"),
	image("delete_image", adminOrProjectMember, legacy(ruleDefault), "DELETE "+imagePath),
	image("get_image", adminOrReaderGetImage, legacy(ruleDefault), "GET "+imagePath),
	image("get_images", adminOrProjectReader, legacy(ruleDefault), "GET /v2/images"),
	image("modify_image", adminOrProjectMember, legacy(ruleDefault), "PATCH "+imagePath),
	image("publicize_image", admin, nil, "PATCH "+imagePath),
	image("communitize_image", adminOrProjectMember, legacy(ruleDefault), "PATCH "+imagePath),
	image("download_image", adminOrMemberDownload, legacy(ruleDefault), "GET "+imagePath+"/file"),
	image("download_from_store", adminOrMemberDownload, nil, "GET "+imagePath+"/file"),
	image("upload_image", adminOrProjectMember, legacy(ruleDefault), "PUT "+imagePath+"/file"),
	image("delete_image_location", admin, legacy(ruleDefault), "PATCH "+imagePath, "DELETE /v2/stores/{store_id}/{image_id}"),
	image("get_image_location", adminOrProjectReader, legacy(ruleDefault), "GET "+imagePath),
	image("set_image_location", adminOrProjectMember, legacy(ruleDefault), "PATCH "+imagePath),
	image("add_image_location", serviceOrProjectMember, nil, "POST "+imagePath+"/locations"),
	image("fetch_image_location", "rule:service_api", nil, "GET "+imagePath+"/locations"),
	image("add_member", adminOrProjectMember, legacy(ruleDefault), "POST "+imagePath+"/members"),
	image("delete_member", adminOrProjectMember, legacy(ruleDefault), "DELETE "+imagePath+"/members/{member_id}"),
	image("get_member", adminOrReaderOrMember, legacy(ruleDefault), "GET "+imagePath+"/members/{member_id}"),
	image("get_members", adminOrReaderOrMember, legacy(ruleDefault), "GET "+imagePath+"/members"),
	image("modify_member", adminOrSharedMember, legacy(ruleDefault), "PUT "+imagePath+"/members/{member_id}"),
	image("manage_image_cache", admin, nil),
	image("deactivate", adminOrProjectMember, legacy(ruleDefault), "POST "+imagePath+"/actions/deactivate"),
	image("reactivate", adminOrProjectMember, legacy(ruleDefault), "POST "+imagePath+"/actions/reactivate"),
	image("copy_image", admin, nil, "POST "+imagePath+"/import"),

	image("get_task", ruleDefault, legacy(ruleDefault), "GET /v2/tasks/{task_id}"),
	image("get_tasks", ruleDefault, legacy(ruleDefault), "GET /v2/tasks"),
	image("add_task", ruleDefault, legacy(ruleDefault), "POST /v2/tasks"),
	image("modify_task", ruleDefault, nil, "DELETE /v2/tasks/{task_id}"),
	image("tasks_api_access", admin, nil, "GET /v2/tasks/{task_id}", "GET /v2/tasks", "POST /v2/tasks"),

	{Name: "metadef_default", Check: ""},
	{Name: "metadef_admin", Check: admin},
	image("get_metadef_namespace", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath),
	image("get_metadef_namespaces", adminOrProjectReader, legacy(ruleMetadefDefault), "GET /v2/metadefs/namespaces"),
	image("modify_metadef_namespace", metadefAdmin, nil, "PUT "+namespacePath),
	image("add_metadef_namespace", metadefAdmin, nil, "POST /v2/metadefs/namespaces"),
	image("delete_metadef_namespace", metadefAdmin, nil, "DELETE "+namespacePath),
	image("get_metadef_object", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/objects/{object_name}"),
	image("get_metadef_objects", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/objects"),
	image("modify_metadef_object", metadefAdmin, nil, "PUT "+namespacePath+"/objects/{object_name}"),
	image("add_metadef_object", metadefAdmin, nil, "POST "+namespacePath+"/objects"),
	image("delete_metadef_object", metadefAdmin, nil, "DELETE "+namespacePath+"/objects/{object_name}"),
	image("list_metadef_resource_types", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET /v2/metadefs/resource_types"),
	image("get_metadef_resource_type", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/resource_types"),
	image("add_metadef_resource_type_association", metadefAdmin, nil, "POST "+namespacePath+"/resource_types"),
	image("remove_metadef_resource_type_association", metadefAdmin, nil, "DELETE "+namespacePath+"/resource_types/{name}"),
	image("get_metadef_property", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/properties/{property_name}"),
	image("get_metadef_properties", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/properties"),
	image("modify_metadef_property", metadefAdmin, nil, "PUT "+namespacePath+"/properties/{property_name}"),
	image("add_metadef_property", metadefAdmin, nil, "POST "+namespacePath+"/properties"),
	image("remove_metadef_property", metadefAdmin, nil, "DELETE "+namespacePath+"/properties/{property_name}"),
	image("get_metadef_tag", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/tags/{tag_name}"),
	image("get_metadef_tags", adminOrReaderNamespace, legacy(ruleMetadefDefault), "GET "+namespacePath+"/tags"),
	image("modify_metadef_tag", metadefAdmin, nil, "PUT "+namespacePath+"/tags/{tag_name}"),
	image("add_metadef_tag", metadefAdmin, nil, "POST "+namespacePath+"/tags/{tag_name}"),
	image("add_metadef_tags", metadefAdmin, nil, "POST "+namespacePath+"/tags"),
	image("delete_metadef_tag", metadefAdmin, nil, "DELETE "+namespacePath+"/tags/{tag_name}"),
	image("delete_metadef_tags", metadefAdmin, nil, "DELETE "+namespacePath+"/tags"),

	image("cache_image", admin, legacy(ruleManageImageCache), "PUT /v2/cache/{image_id}"),
	image("cache_list", admin, legacy(ruleManageImageCache), "GET /v2/cache"),
	image("cache_delete", admin, legacy(ruleManageImageCache), "DELETE /v2/cache", "DELETE /v2/cache/{image_id}"),
	image("cache_clean", admin, nil, "POST /v2/cache/clean"),
	image("cache_prune", admin, nil, "POST /v2/cache/prune"),
	image("list_cached_nodes", admin, nil, "GET /v2/cache/nodes/{image_id}"),

	image("stores_info_detail", admin, nil, "GET /v2/info/stores/detail"),
}
