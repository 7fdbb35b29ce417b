#!/bin/bash
# Starts nginx as a WebDAV store on 127.0.0.1 for the push tests.
# Usage: nginx-start.sh DIR   (DIR is created; DIR/root is the DAV root)
# Prints the port; DIR/nginx.pid holds the pid, DIR/access.log has one line
# per request: "METHOD URI STATUS REQUEST_LENGTH". Locations:
#   /            WebDAV PUT/DELETE/MKCOL, parents created on PUT
#   /private/    the same behind basic auth (user "rrt", password "s3cret")
#   /plain/      WebDAV as RFC 4918 says: a PUT whose parent collection is
#                missing answers 409 until a MKCOL makes it (nginx itself
#                would answer 500, so a regex location emulates it)
#   /slow/       the same tree as /, read-only, sent at 150 KB/s per request
#   /broken/     always answers 500
# A second port, in DIR/tls-port, serves the same over TLS with a
# self-signed certificate for 127.0.0.1 (DIR/tls.crt), to test that
# verification is on and that CURL_CA_BUNDLE is honoured.
# Stop it with nginx-stop.sh DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
dir=$(mkdir -p "$1" && cd "$1" && pwd)
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
mkdir -p "$dir/root/plain" "$dir/tmp"
chmod 0777 "$dir/root" "$dir/root/plain" "$dir/tmp"
printf 'rrt:%s\n' "$(openssl passwd -apr1 s3cret)" >"$dir/htpasswd"
chmod 0644 "$dir/htpasswd"
# As root, workers would run as nobody and could not enter a mode-0700
# temp dir; run them as the invoking user instead.
user_line=""
if [ ! -f "$dir/tls.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
fi
if [ "$(id -u)" = 0 ]; then user_line="user root root;"; fi
for attempt in 1 2 3 4 5; do
    port=$(store_free_port)
    tport=$(store_free_port)
    cat >"$dir/nginx.conf" <<CONF
daemon off;
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 128; }
http {
    log_format store '\$request_method \$uri \$status \$request_length';
    access_log $dir/access.log store;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    client_max_body_size 0;
    server {
        listen 127.0.0.1:$tport ssl;
        ssl_certificate $dir/tls.crt;
        ssl_certificate_key $dir/tls.key;
        root $dir/root;
        location / {
            dav_methods PUT DELETE MKCOL;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
        }
    }
    server {
        listen 127.0.0.1:$port;
        root $dir/root;
        location / {
            dav_methods PUT DELETE MKCOL;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
        }
        location /private/ {
            auth_basic "rrt store";
            auth_basic_user_file $dir/htpasswd;
            dav_methods PUT DELETE MKCOL;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
        }
        location /plain/ {
            dav_methods PUT DELETE MKCOL;
            dav_access user:rw group:rw all:r;
        }
        location ~ ^/plain/(.*)/[^/]+\$ {
            set \$conflict "";
            if (\$request_method = PUT) { set \$conflict P; }
            if (!-d \$document_root/plain/\$1) { set \$conflict "\${conflict}D"; }
            if (\$conflict = PD) { return 409; }
            dav_methods PUT DELETE MKCOL;
            dav_access user:rw group:rw all:r;
        }
        location /slow/ {
            alias $dir/root/;
            limit_rate 150k;
        }
        location /broken/ {
            return 500;
        }
    }
}
CONF
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
        </dev/null >>"$dir/nginx.out" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/nginx.pid.launch"
    if store_wait_port "$port" "$pid"; then
        echo "$port" >"$dir/port"
        echo "$tport" >"$dir/tls-port"
        echo "$port"
        exit 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
echo "nginx did not start; see $dir/error.log" >&2
exit 1
