#!/bin/bash
# t0910-apis.sh — the gateway's APIs in the tree: apis/NAME is an OpenAPI document, read to see it, written to replace it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions
GW="http://127.0.0.1:$BPORT/api/guest"

mgmt() { curl -s -u "$FAASFS_AUTH" -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} \
	"http://127.0.0.1:$BPORT/api/v1/web/whisk.system/apimgmt/$2"; }

test_expect_success 'an API made over the gateway contract shows as apis/NAME, its OpenAPI document' '
	printf "def main(a):\n    return {\"body\": {\"book\": a.get(\"id\", \"all\"), \"path\": a[\"__ow_path\"]}}\n" >book.py &&
	cp book.py "$A/" && echo true >"$A/book/web" &&
	mgmt POST "createApi.http?responsetype=http" "{\"apidoc\":{\"namespace\":\"_\",\"gatewayBasePath\":\"/club\",\"gatewayPath\":\"/books\",\"gatewayMethod\":\"GET\",\"action\":{\"name\":\"book\",\"namespace\":\"_\",\"backendMethod\":\"GET\",\"backendUrl\":\"http://x/api/v1/web/_/default/book.http\",\"authkey\":\"k\"}}}" >made.json &&
	jq -e .gwApiUrl made.json &&
	ls "$FAAS/apis" >ls.out && echo club >ls.expect && test_cmp ls.expect ls.out &&
	test "$(jq -r .basePath "$FAAS/apis/club")" = /club &&
	test "$(jq -r ".paths[\"/books\"].get[\"x-openwhisk\"].action" "$FAAS/apis/club")" = book &&
	test "$(curl -s "$GW/club/books" | jq -r .book)" = all
'

test_expect_success 'written back as it reads, it is unchanged; edited, the gateway serves the edit at once' '
	cp "$FAAS/apis/club" club.json && cp club.json "$FAAS/apis/club" && cmp club.json "$FAAS/apis/club" &&
	jq ".info.title = \"Book Club\" | .paths[\"/books/{id}\"] = {get: (.paths[\"/books\"].get + {operationId: \"getBooksId\", parameters: [{name: \"id\", in: \"path\", required: true, type: \"string\"}]})}" club.json >edited.json &&
	cp edited.json "$FAAS/apis/club" &&
	test "$(mgmt GET "getApi.http?basepath=/club" | jq -r ".apis[0].value.apidoc.info.title")" = "Book Club" &&
	test "$(curl -s "$GW/club/books/42" | jq -c .)" = "{\"book\":\"42\",\"path\":\"/club/books/42\"}"
'

test_expect_success 'a new file makes an API; rm deletes it' '
	jq ".basePath = \"/shop\" | .info.title = \"Shop\"" club.json >shop.json &&
	cp shop.json "$FAAS/apis/shop" &&
	test "$(curl -s "$GW/shop/books" | jq -r .book)" = all &&
	rm "$FAAS/apis/shop" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$GW/shop/books")" = 404 &&
	test "$(mgmt GET "getApi.http?basepath=/shop" | jq -c .apis)" = "[]"
'

test_expect_success 'a bad document fails (EINVAL at the write, or at close for what the backend checks), err says why, nothing changes' '
	v=$(rest GET apis/club | jq -r .version) &&
	! echo "{\"swagger\" 2}" >"$FAAS/apis/club" 2>e.out && grep -q "Invalid argument" e.out &&
	jq ".paths[\"/books\"].get[\"x-openwhisk\"].action = \"nosuch\"" club.json >bad.json &&
	! cp bad.json "$FAAS/apis/club" 2>e.out && grep -q "Invalid argument" e.out &&
	tail -n 1 "$FAAS/err" | grep -q "nosuch of get /books does not exist or is not a web action" &&
	jq ".basePath = \"/elsewhere\"" club.json >moved.json &&
	! cp moved.json "$FAAS/apis/club" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "is not the API named" &&
	test "$(rest GET apis/club | jq -r .version)" = "$v" &&
	test "$(curl -s "$GW/club/books" | jq -r .book)" = all
'

test_expect_success 'manifest.yaml carries apis: as wskdeploy writes them, and a manifest with apis: makes the routes' '
	grep -A20 "^    apis:" "$FAAS/manifest.yaml" >apis.yaml &&
	grep -q "^      Book Club:" apis.yaml && grep -q "^        club:" apis.yaml &&
	grep -q "^          books/{id}:" apis.yaml &&
	grep -A3 "books/{id}:" apis.yaml | grep -q "response: http" &&
	cat >m.yaml <<-EOF &&
	packages:
	  default:
	    actions:
	      hi:
	        function: hi.py
	        runtime: python:3
	        code: |
	          def main(a):
	              return {"hi": a.get("who", "you")}
	        web: true
	    apis:
	      Greetings:
	        greet:
	          hello:
	            hi:
	              method: GET
	              response: json
	          hello/short:
	            hi: GET
	EOF
	cp m.yaml "$FAAS/manifest.yaml" &&
	test "$(curl -s "$GW/greet/hello?who=yaml" | jq -r .hi)" = yaml &&
	test "$(curl -s "$GW/greet/hello/short" | jq -r .hi)" = you &&
	test "$(jq -r .info.title "$FAAS/apis/greet")" = Greetings &&
	test "$(jq -r ".paths[\"/hello\"].get[\"x-openwhisk\"].url" "$FAAS/apis/greet")" = "http://127.0.0.1:$BPORT/api/v1/web/guest/default/hi.json"
'

test_expect_success 'a manifest whose route names an action that is not a web action fails and says why' '
	printf "packages:\n  default:\n    apis:\n      Bad:\n        bad:\n          x:\n            nosuch: GET\n" >bad.yaml &&
	! cp bad.yaml "$FAAS/manifest.yaml" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "nosuch of get /x does not exist or is not a web action" &&
	test ! -e "$FAAS/apis/bad"
'

test_done
