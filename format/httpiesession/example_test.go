package httpiesession_test

import (
	"fmt"
	"os"
	"time"

	"github.com/limpet-http/limpet/format/httpiesession"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

func ExampleImport() {
	// A file written by "http --session=./s.json localhost:8080/login".
	data := []byte(`{
    "__meta__": {"about": "HTTPie session file", "httpie": "3.2.1"},
    "auth": {"type": null, "username": null, "password": null},
    "cookies": [
        {"domain": "localhost.local", "expires": null, "name": "JSESSIONID",
         "path": "/app", "secure": false, "value": "6F1C2A9E0B"}
    ],
    "headers": [{"name": "X-Client", "value": "demo"}]
}`)
	snap, err := httpiesession.Import(data, httpiesession.ImportOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range snap.Cookies {
		fmt.Printf("%s=%s domain=%s host-only=%v path=%s session=%v\n",
			c.Name, c.Value, c.Domain, c.HostOnly, c.Path, !c.Persistent)
	}
	fmt.Println(snap.Headers.List[0].Name+":", snap.Headers.List[0].Value)
	// Output:
	// JSESSIONID=6F1C2A9E0B domain=localhost host-only=true path=/app session=true
	// X-Client: demo
}

func ExampleExport() {
	snap := store.Snapshot{
		Cookies: store.CookiesFromJar([]jar.Cookie{
			{Name: "JSESSIONID", Value: "6F1C", Domain: "localhost", Path: "/", HostOnly: true, HttpOnly: true},
		}),
	}
	// Without Credentials a session's password or token stays out of the file.
	f, err := httpiesession.Export(snap, httpiesession.ExportOptions{Now: time.Unix(1700000000, 0)})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := f.Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(data)
	// Output:
	// {
	//     "__meta__": {
	//         "about": "HTTPie session file",
	//         "help": "https://httpie.io/docs#sessions",
	//         "httpie": "3.2.1"
	//     },
	//     "auth": {
	//         "password": null,
	//         "type": null,
	//         "username": null
	//     },
	//     "cookies": [
	//         {
	//             "domain": "localhost.local",
	//             "expires": null,
	//             "name": "JSESSIONID",
	//             "path": "/",
	//             "secure": false,
	//             "value": "6F1C"
	//         }
	//     ],
	//     "headers": []
	// }
}
