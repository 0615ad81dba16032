/* fuzz-manifest.c — libFuzzer target: the manifest reader (fsd/yaml.c to JSON, fsd/manifest.c's plan of steps).
 *
 * The input is a manifest.yaml as a user writes it. It is read into JSON
 * and planned into the PUTs applying it would send; every step must name
 * what it makes and carry a body. The JSON read is also written back as
 * YAML (as reading manifest.yaml does), which must read again. */
#include "../../fsd/manifest.c"

Fs fs; /* fsd/main.c's; planning never reaches the backend */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	json_t *m = yaml_to_json((const char *)data, size, err, sizeof err), *s, *again;
	Apply a;
	Buf b = { 0 };
	size_t i;

	if (!m)
		return 0;
	memset(&a, 0, sizeof a);
	a.steps = json_array();
	if (plan(&a, m) == 0)
		json_array_foreach(a.steps, i, s) if (!json_is_string(json_object_get(s, "name")) ||
		                                      !json_object_get(s, "body")) abort();
	json_decref(a.steps);
	if (json_to_yaml(m, &b) == 0) {
		if (!(again = yaml_to_json(b.p, b.n, err, sizeof err)))
			abort();
		json_decref(again);
	}
	buf_free(&b);
	json_decref(m);
	return 0;
}
