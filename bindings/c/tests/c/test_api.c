/*
 * Uses the whole C ABI against the test library (the demo's pipeline and metrics plugins and a
 * `fuse` processor that panics on "boom"), and checks every result. Run under valgrind by
 * scripts/ci-bindings.sh; prints "N passed, N failed" and exits non-zero on a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module_registry.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) {                                                        \
            passed++;                                                      \
        } else {                                                           \
            failed++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static int contains(const char *haystack, const char *needle) {
    return haystack && needle && strstr(haystack, needle) != NULL;
}

/* Whether `list` holds a module named `name`. */
static int list_has(const MrModuleList *list, const char *name) {
    for (size_t i = 0; i < mr_module_list_len(list); i++) {
        if (streq(mr_module_name(mr_module_list_get(list, i)), name)) return 1;
    }
    return 0;
}

/* Expects `status` to be `expected`, and `*errp` to carry the same status and a message
 * containing `fragment`; frees it and resets `*errp`. (`*errp` is read here, after the call
 * that computed `status` wrote it.) */
static void expect_error(MrStatus status, MrError **errp, MrStatus expected, const char *fragment) {
    MrError *err = *errp;
    *errp = NULL;
    CHECK(status == expected);
    CHECK(err != NULL);
    CHECK(mr_error_status(err) == expected);
    CHECK(contains(mr_error_message(err), fragment));
    if (!contains(mr_error_message(err), fragment)) {
        fprintf(stderr, "  message: %s\n", err ? mr_error_message(err) : "(no error)");
    }
    mr_error_free(err);
}

static void test_status_names(void) {
    CHECK(streq(mr_status_name(MR_OK), "ok"));
    CHECK(streq(mr_status_name(MR_NOT_FOUND), "not_found"));
    CHECK(streq(mr_status_name(MR_PANIC), "panic"));
    CHECK(mr_status_name(42) == NULL);
}

static void test_enumerate(void) {
    const MrRegistry *registry = mr_registry_global();
    CHECK(registry != NULL);
    CHECK(mr_registry_len(registry) == 5);
    CHECK(mr_registry_len(NULL) == 0);

    MrModuleList *modules = NULL;
    MrError *err = NULL;
    CHECK(mr_registry_modules(registry, &modules, &err) == MR_OK);
    CHECK(err == NULL);
    CHECK(mr_module_list_len(modules) == 5);
    CHECK(list_has(modules, "metrics") && list_has(modules, "trim") && list_has(modules, "fuse"));
    CHECK(mr_module_list_get(modules, 5) == NULL);
    mr_module_list_free(modules);

    const MrModule *trim = NULL;
    CHECK(mr_registry_find(registry, "trim", &trim, NULL) == MR_OK);
    CHECK(streq(mr_module_name(trim), "trim"));
    CHECK(streq(mr_module_version(trim), "2.0.0"));
    CHECK(streq(mr_module_kind(trim), "DataProcessor"));
    CHECK(contains(mr_module_description(trim), "whitespace"));
    CHECK(mr_module_capability_count(trim) == 1);
    CHECK(streq(mr_module_capability(trim, 0), "processing"));
    CHECK(mr_module_capability(trim, 1) == NULL);
    CHECK(mr_module_requirement_count(trim) == 0);
    CHECK(mr_module_requirement(trim, 0) == NULL);
    CHECK(mr_module_dependency_count(trim) == 1);

    const char *dep_name = NULL;
    const char *dep_req = "unset";
    bool optional = false;
    CHECK(mr_module_dependency(trim, 0, &dep_name, &dep_req, &optional, NULL) == MR_OK);
    CHECK(streq(dep_name, "metrics"));
    CHECK(dep_req == NULL);
    CHECK(optional);
    expect_error(mr_module_dependency(trim, 1, &dep_name, NULL, NULL, &err), &err,
                 MR_INVALID_ARGUMENT, "out of range");

    const MrModule *missing = NULL;
    expect_error(mr_registry_find(registry, "no-such-module", &missing, &err), &err, MR_NOT_FOUND,
                 "no-such-module");
    CHECK(missing == NULL);

    MrModuleList *processing = NULL;
    CHECK(mr_registry_with_capability(registry, "processing", &processing, NULL) == MR_OK);
    CHECK(mr_module_list_len(processing) == 3);
    CHECK(list_has(processing, "uppercase") && !list_has(processing, "fuse"));
    mr_module_list_free(processing);

    MrModuleList *none = NULL;
    CHECK(mr_registry_with_capability(registry, "teleportation", &none, NULL) == MR_OK);
    CHECK(mr_module_list_len(none) == 0);
    mr_module_list_free(none);
}

static void test_validate_and_order(void) {
    const MrRegistry *registry = mr_registry_global();
    MrError *err = NULL;
    CHECK(mr_registry_validate(registry, &err) == MR_OK);
    CHECK(err == NULL);

    MrModuleList *order = NULL;
    CHECK(mr_registry_init_order(registry, &order, NULL) == MR_OK);
    CHECK(mr_module_list_len(order) == 5);
    /* Every demo processor optionally depends on metrics, which boots first; ties go by name. */
    CHECK(streq(mr_module_name(mr_module_list_get(order, 0)), "fuse"));
    CHECK(streq(mr_module_name(mr_module_list_get(order, 1)), "metrics"));
    mr_module_list_free(order);
}

static void test_null_and_invalid_arguments(void) {
    const MrRegistry *registry = mr_registry_global();
    MrError *err = NULL;
    const MrModule *module = NULL;
    expect_error(mr_registry_find(NULL, "trim", &module, &err), &err, MR_NULL_ARGUMENT, "registry");
    expect_error(mr_registry_find(registry, NULL, &module, &err), &err, MR_NULL_ARGUMENT, "name");
    expect_error(mr_registry_find(registry, "trim", NULL, &err), &err, MR_NULL_ARGUMENT, "out");
    expect_error(mr_registry_find(registry, "tr\xffim", &module, &err), &err, MR_INVALID_ARGUMENT,
                 "UTF-8");
    /* Without `err`, only the status reports the failure. */
    CHECK(mr_registry_validate(NULL, NULL) == MR_NULL_ARGUMENT);

    MrRuntime *runtime = NULL;
    expect_error(mr_registry_boot(registry, 7, &runtime, &err), &err, MR_INVALID_ARGUMENT,
                 "MrBootPolicy");
    CHECK(runtime == NULL);
    expect_error(mr_runtime_shutdown(NULL, &err), &err, MR_NULL_ARGUMENT, "runtime");

    /* Getters answer NULL or 0 for NULL. */
    CHECK(mr_module_name(NULL) == NULL);
    CHECK(mr_module_capability_count(NULL) == 0);
    CHECK(mr_module_list_len(NULL) == 0);
    CHECK(mr_module_list_get(NULL, 0) == NULL);
    CHECK(mr_error_message(NULL) == NULL);
    CHECK(mr_error_status(NULL) == MR_INVALID_ARGUMENT);
    CHECK(mr_error_finding_count(NULL) == 0);
    CHECK(mr_error_finding_code(NULL, 0) == NULL);
    CHECK(mr_error_finding_message(NULL, 0) == NULL);

    /* Freeing NULL is a no-op; freeing bytes twice through one MrBytes is harmless. */
    mr_error_free(NULL);
    mr_module_list_free(NULL);
    mr_dynamic_free(NULL);
    mr_bytes_free(NULL);
    MrBytes empty = {NULL, 0};
    mr_bytes_free(&empty);
}

/* Pipes `input` through every processor of `runtime`, in boot order. */
static char *pipeline(const MrRuntime *runtime, const char *input) {
    MrModuleList *stages = NULL;
    if (mr_runtime_processors(runtime, &stages, NULL) != MR_OK) return NULL;
    MrBytes data = {NULL, 0};
    const char *current = input;
    size_t len = strlen(input);
    for (size_t i = 0; i < mr_module_list_len(stages); i++) {
        MrBytes next = {NULL, 0};
        const char *name = mr_module_name(mr_module_list_get(stages, i));
        MrStatus status = mr_runtime_process(runtime, name, (const uint8_t *)current, len, &next, NULL);
        mr_bytes_free(&data);
        if (status != MR_OK) {
            mr_module_list_free(stages);
            return NULL;
        }
        data = next;
        current = (const char *)data.data;
        len = data.len;
    }
    mr_module_list_free(stages);
    char *result = malloc(len + 1);
    memcpy(result, current, len);
    result[len] = '\0';
    mr_bytes_free(&data);
    return result;
}

static void test_boot_process_shutdown(void) {
    MrRuntime *runtime = NULL;
    MrError *err = NULL;
    CHECK(mr_registry_boot(mr_registry_global(), MR_FAIL_FAST, &runtime, &err) == MR_OK);
    CHECK(runtime != NULL && err == NULL);

    MrModuleList *running = NULL;
    CHECK(mr_runtime_modules(runtime, &running, NULL) == MR_OK);
    CHECK(mr_module_list_len(running) == 5);
    mr_module_list_free(running);

    MrModuleList *processors = NULL;
    CHECK(mr_runtime_processors(runtime, &processors, NULL) == MR_OK);
    CHECK(mr_module_list_len(processors) == 4);
    CHECK(!list_has(processors, "metrics"));
    mr_module_list_free(processors);

    MrBytes out = {NULL, 0};
    CHECK(mr_runtime_process(runtime, "uppercase", (const uint8_t *)"abc", 3, &out, NULL) == MR_OK);
    CHECK(out.len == 3 && memcmp(out.data, "ABC", 3) == 0);
    mr_bytes_free(&out);
    CHECK(out.data == NULL && out.len == 0);
    mr_bytes_free(&out);

    /* Empty input may be NULL. */
    CHECK(mr_runtime_process(runtime, "trim", NULL, 0, &out, NULL) == MR_OK);
    CHECK(out.len == 0);
    mr_bytes_free(&out);

    char *piped = pipeline(runtime, " make me loud ");
    CHECK(streq(piped, "MAKE ME LOUD"));
    free(piped);

    expect_error(mr_runtime_process(runtime, "utf8-guard", (const uint8_t *)"\xff\xfe", 2, &out, &err),
                 &err, MR_MODULE_FAILED, "not UTF-8");
    CHECK(out.data == NULL);
    expect_error(mr_runtime_process(runtime, "metrics", (const uint8_t *)"x", 1, &out, &err), &err,
                 MR_NOT_FOUND, "dyn Processor");
    expect_error(mr_runtime_process(runtime, "fuse", (const uint8_t *)"boom", 4, &out, &err), &err,
                 MR_PANIC, "the fuse blew");
    expect_error(mr_runtime_process(runtime, "trim", NULL, 3, &out, &err), &err, MR_NULL_ARGUMENT,
                 "data");

    /* The runtime still works after a caught panic. */
    CHECK(mr_runtime_process(runtime, "fuse", (const uint8_t *)"ok", 2, &out, NULL) == MR_OK);
    mr_bytes_free(&out);

    err = NULL;
    CHECK(mr_runtime_shutdown(runtime, &err) == MR_OK);
    CHECK(err == NULL);

    MrRuntime *degraded = NULL;
    CHECK(mr_registry_boot(mr_registry_global(), MR_DEGRADE, &degraded, NULL) == MR_OK);
    CHECK(mr_runtime_shutdown(degraded, NULL) == MR_OK);
}

/* A C module: reverses bytes, or fails on "fail". Counts what it allocates and frees. */
typedef struct {
    int instances_created;
    int instances_destroyed;
    int *user_data_freed;
    int fail_create;
} Counter;

typedef struct {
    Counter *counter;
} Reverser;

static int32_t reverser_create(void *user_data, void **instance, MrOutput *output) {
    Counter *counter = user_data;
    if (counter->fail_create) {
        mr_output_set_error(output, "reverser refuses to start", NULL);
        return 1;
    }
    Reverser *r = malloc(sizeof *r);
    r->counter = counter;
    counter->instances_created++;
    *instance = r;
    return 0;
}

static int32_t reverser_process(void *instance, const uint8_t *data, size_t len, MrOutput *output) {
    (void)instance;
    if (len == 4 && memcmp(data, "fail", 4) == 0) {
        mr_output_set_error(output, "reverser cannot process \"fail\"", NULL);
        return 2;
    }
    if (len == 5 && memcmp(data, "crash", 5) == 0) {
        return 3; /* no message: the library says which callback returned what */
    }
    for (size_t i = len; i > 0; i--) {
        if (mr_output_write(output, &data[i - 1], 1, NULL) != MR_OK) return 4;
    }
    return 0;
}

static void reverser_destroy(void *user_data, void *instance) {
    Counter *counter = user_data;
    counter->instances_destroyed++;
    free(instance);
}

static void counter_free(void *user_data) {
    Counter *counter = user_data;
    (*counter->user_data_freed)++;
    free(counter);
}

static MrModuleCallbacks reverser_callbacks(int *freed, int fail_create, Counter **counter_out) {
    Counter *counter = calloc(1, sizeof *counter);
    counter->user_data_freed = freed;
    counter->fail_create = fail_create;
    if (counter_out) *counter_out = counter;
    MrModuleCallbacks callbacks = {counter, reverser_create, reverser_process, reverser_destroy,
                                   counter_free};
    return callbacks;
}

static MrStatus register_module(MrDynRegistry *registry, const char *name, const MrModuleCallbacks *callbacks,
                                const MrDependencySpec *deps, size_t deps_len, MrError **err) {
    const char *capabilities[] = {"reversing", "processing"};
    MrModuleSpec spec = {name, "1.0.0", "DataProcessor", capabilities, 2, NULL, 0, deps, deps_len};
    return mr_dynamic_register(registry, &spec, callbacks, err);
}

static void test_dynamic_registry(void) {
    int freed = 0;
    MrDynRegistry *registry = NULL;
    MrError *err = NULL;
    CHECK(mr_dynamic_new(true, &registry, &err) == MR_OK);
    CHECK(registry != NULL && err == NULL);

    Counter *counter = NULL;
    MrModuleCallbacks callbacks = reverser_callbacks(&freed, 0, &counter);
    MrDependencySpec on_trim = {"trim", "^2", false};
    CHECK(register_module(registry, "c-reverse", &callbacks, &on_trim, 1, &err) == MR_OK);
    CHECK(err == NULL);

    /* A duplicate name is refused with the build check's code; user data is freed at once. */
    MrModuleCallbacks duplicate = reverser_callbacks(&freed, 0, NULL);
    MrStatus status = register_module(registry, "trim", &duplicate, NULL, 0, &err);
    CHECK(status == MR_REFUSED);
    CHECK(mr_error_finding_count(err) == 1);
    CHECK(streq(mr_error_finding_code(err, 0), "MR0004"));
    CHECK(contains(mr_error_finding_message(err, 0), "duplicate module name \"trim\""));
    CHECK(mr_error_finding_code(err, 1) == NULL);
    mr_error_free(err);
    CHECK(freed == 1);

    /* Several problems at once: a bad name and a dependency nobody registered. */
    MrDependencySpec on_ghost = {"ghost", NULL, false};
    err = NULL;
    status = register_module(registry, "Bad Name", NULL, &on_ghost, 1, &err);
    CHECK(status == MR_REFUSED);
    CHECK(mr_error_finding_count(err) >= 1);
    CHECK(streq(mr_error_finding_code(err, 0), "MR0008"));
    mr_error_free(err);
    err = NULL;
    status = register_module(registry, "haunted", NULL, &on_ghost, 1, &err);
    CHECK(status == MR_REFUSED && streq(mr_error_finding_code(err, 0), "MR0002"));
    mr_error_free(err);

    /* Callbacks without `create` are an invalid argument; user data is freed all the same. */
    MrModuleCallbacks no_create = reverser_callbacks(&freed, 0, NULL);
    no_create.create = NULL;
    expect_error(register_module(registry, "no-create", &no_create, NULL, 0, &err), &err,
                 MR_INVALID_ARGUMENT, "create");
    CHECK(freed == 2);
    expect_error(mr_dynamic_register(registry, NULL, NULL, &err), &err, MR_NULL_ARGUMENT, "spec");

    /* A module whose create callback fails. */
    MrModuleCallbacks failing = reverser_callbacks(&freed, 1, NULL);
    CHECK(register_module(registry, "c-failing", &failing, NULL, 0, NULL) == MR_OK);

    MrModuleList *found = NULL;
    CHECK(mr_dynamic_discover(registry, "c-", NULL, &found, NULL) == MR_OK);
    CHECK(mr_module_list_len(found) == 2);
    const MrModule *first = mr_module_list_get(found, 0);
    CHECK(streq(mr_module_name(first), "c-failing"));
    CHECK(streq(mr_module_kind(first), "DataProcessor"));
    CHECK(streq(mr_module_description(first), ""));
    mr_module_list_free(found);

    CHECK(mr_dynamic_discover(registry, NULL, "DataProcessor", &found, NULL) == MR_OK);
    CHECK(mr_module_list_len(found) == 6); /* trim, uppercase, utf8-guard, fuse, two C modules */
    mr_module_list_free(found);

    const char *required[] = {"processing"};
    const char *optional[] = {"reversing"};
    CHECK(mr_dynamic_discover_capabilities(registry, required, 1, optional, 1, &found, NULL) == MR_OK);
    CHECK(mr_module_list_len(found) == 5);
    /* Ranked by optional matches first: the C modules reverse. */
    CHECK(streq(mr_module_name(mr_module_list_get(found, 0)), "c-failing"));
    CHECK(streq(mr_module_name(mr_module_list_get(found, 1)), "c-reverse"));
    const char *dep_name = NULL;
    const char *dep_req = NULL;
    bool dep_optional = true;
    CHECK(mr_module_dependency(mr_module_list_get(found, 1), 0, &dep_name, &dep_req, &dep_optional,
                               NULL) == MR_OK);
    CHECK(streq(dep_name, "trim") && streq(dep_req, "^2") && !dep_optional);
    mr_module_list_free(found);

    MrModuleList *all = NULL;
    CHECK(mr_dynamic_modules(registry, &all, NULL) == MR_OK);
    CHECK(mr_module_list_len(all) == 7);
    mr_module_list_free(all);

    CHECK(mr_dynamic_validate(registry, NULL) == MR_OK);

    /* Create and call the C module through the registry. */
    MrInstance *instance = NULL;
    CHECK(mr_dynamic_create(registry, "c-reverse", &instance, &err) == MR_OK);
    if (err) fprintf(stderr, "  create: %s\n", mr_error_message(err));
    CHECK(instance != NULL && counter->instances_created == 1);
    MrBytes out = {NULL, 0};
    CHECK(mr_instance_process(instance, (const uint8_t *)"hello", 5, &out, NULL) == MR_OK);
    CHECK(out.len == 5 && memcmp(out.data, "olleh", 5) == 0);
    mr_bytes_free(&out);
    expect_error(mr_instance_process(instance, (const uint8_t *)"fail", 4, &out, &err), &err,
                 MR_MODULE_FAILED, "cannot process");
    expect_error(mr_instance_process(instance, (const uint8_t *)"crash", 5, &out, &err), &err,
                 MR_MODULE_FAILED, "process callback returned 3");
    CHECK(mr_instance_shutdown(instance, NULL) == MR_OK);
    CHECK(counter->instances_destroyed == 1);

    /* Linked modules are created through the static runtime; their processor answers. */
    CHECK(mr_dynamic_create(registry, "uppercase", &instance, NULL) == MR_OK);
    CHECK(mr_instance_process(instance, (const uint8_t *)"up", 2, &out, NULL) == MR_OK);
    CHECK(out.len == 2 && memcmp(out.data, "UP", 2) == 0);
    mr_bytes_free(&out);
    CHECK(mr_instance_shutdown(instance, NULL) == MR_OK);

    expect_error(mr_dynamic_create(registry, "c-failing", &instance, &err), &err, MR_BOOT_FAILED,
                 "reverser refuses to start");
    expect_error(mr_dynamic_create(registry, "nowhere", &instance, &err), &err, MR_NOT_FOUND,
                 "nowhere");
    expect_error(mr_instance_shutdown(NULL, &err), &err, MR_NULL_ARGUMENT, "instance");

    /* A registry without linked modules. */
    MrDynRegistry *empty = NULL;
    CHECK(mr_dynamic_new(false, &empty, NULL) == MR_OK);
    CHECK(mr_dynamic_modules(empty, &all, NULL) == MR_OK);
    CHECK(mr_module_list_len(all) == 0);
    mr_module_list_free(all);
    mr_dynamic_free(empty);

    /* Output helpers refuse NULL. */
    CHECK(mr_output_write(NULL, (const uint8_t *)"x", 1, NULL) == MR_NULL_ARGUMENT);
    CHECK(mr_output_set_error(NULL, "x", NULL) == MR_NULL_ARGUMENT);

    CHECK(freed == 2);
    mr_dynamic_free(registry);
    /* Freeing the registry frees the user data of both registered C modules. */
    CHECK(freed == 4);
}

int main(void) {
    test_status_names();
    test_enumerate();
    test_validate_and_order();
    test_null_and_invalid_arguments();
    test_boot_process_shutdown();
    test_dynamic_registry();
    printf("c-api: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
