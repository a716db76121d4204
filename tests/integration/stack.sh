#!/bin/bash
# Starts or stops a complete service stack on loopback: spawn-fcgi running
# the worker pool under multiwatch, and lighttpd (or Apache) in front of it.
#
#   stack.sh start BINARY CONFIG RUNDIR PORT [WORKERS]
#   stack.sh stop RUNDIR
#
#   stack.sh stop-workers RUNDIR
#   stack.sh start-workers RUNDIR [WORKERS]
#
#   stack.sh start-backend BINARY CONFIG RUNDIR ADDRESS PORT [WORKERS]
#   stack.sh start-front RUNDIR LISTEN_ADDRESS PORT BACKEND...
#
# start-backend: a back end only (docs/scaling.md): the worker pool on TCP,
# spawn-fcgi -a ADDRESS -p PORT, no web server. LLSR_FRONTENDS (required)
# is the comma-separated list of the front web servers' IPv4 addresses,
# handed to the workers as FCGI_WEB_SERVER_ADDRS (libfcgi closes every
# connection from another address unanswered). ADDRESS must be a private
# IPv4 address (10/8, 172.16/12, 192.168/16, 127/8) unless
# LLSR_ALLOW_PUBLIC_BIND=1; never 0.0.0.0, never IPv6 (libfcgi checks the
# list for IPv4 peers only). start-front: a web server alone (LLSR_WEB)
# balancing BACKEND... (ADDRESS:PORT each) from conf/apache2-balancer.conf
# or conf/lighttpd-balancer.conf. Both stop with `stack.sh stop RUNDIR`.
#
# LLSR_WEB=apache puts a private Apache 2.4 (Debian's apache2, mod_proxy_fcgi)
# in front instead of lighttpd, from conf/apache2.conf; default lighttpd.
# LLSR_FCGI_TIMEOUT=SECONDS: the web server's FastCGI timeout (default: the
# shipped config's). stop-workers / start-workers stop and start the worker
# pool alone, with the web server left running.
#
# Everything the stack needs is copied into RUNDIR, so the build tree may be
# unreadable to the worker user. Logs: RUNDIR/log/.
set -eu

die() { echo "stack.sh: $*" >&2; exit 1; }

worker_user=ll-solution-runner
conf_dir="$(cd "$(dirname "$0")/../../conf" && pwd)"
apache_modules=/usr/lib/apache2/modules

start() {
	local bin=$1 conf=$2 run=$3 port=$4 workers=${5:-2}
	local sock="$run/fcgi.sock"

	mkdir -p "$run/bin" "$run/errors"
	# Not writable by anyone but root: the workers' log is opened by this
	# script's redirection, Apache's by its root parent; lighttpd opens its
	# logs after dropping to www-data, so they are made for it beforehand
	# (start_lighttpd). The group lets www-data reach its own files.
	install -d -m 0750 -o root -g www-data "$run/log"
	cp "$bin" "$run/bin/ll-solution-runner"
	cp "$conf" "$run/ll-solution-runner.conf"
	cp "$conf_dir"/errors/*.html "$run/errors/"
	chmod 755 "$run" "$run/bin" "$run/bin/ll-solution-runner" "$run/errors"
	chmod 644 "$run/ll-solution-runner.conf" "$run"/errors/*.html
	"$run/bin/ll-solution-runner" --check-config "$run/ll-solution-runner.conf" >/dev/null
	lock_dir "$run"

	start_workers "$run" "$workers"

	case "${LLSR_WEB:-lighttpd}" in
	lighttpd) start_lighttpd "$run" "$port" ;;
	apache) start_apache "$run" "$port" ;;
	*) stop "$run"; die "LLSR_WEB must be lighttpd or apache" ;;
	esac

	# Ready when a worker answers through the web server (its answers carry
	# X-Request-Id; /health may well be 503 when the engine is down).
	for _ in $(seq 1 100); do
		if curl -s -o /dev/null -D - "http://127.0.0.1:$port/health" 2>/dev/null |
			grep -qi '^X-Request-Id:'; then
			return 0
		fi
		kill -0 "$(cat "$run/spawn.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$run/log/"* >&2 || true
	stop "$run"
	die "the stack did not come up on port $port"
}

# Workers: the socket belongs to the web server's group, mode 0660.
start_workers() {
	local run=$1 workers=$2
	spawn-fcgi -n -s "$run/fcgi.sock" -M 0660 -U www-data -G www-data \
		-u "$worker_user" -g "$worker_user" -- \
		/usr/bin/multiwatch -f "$workers" -s TERM -- \
		"$run/bin/ll-solution-runner" -c "$run/ll-solution-runner.conf" \
		>>"$run/log/workers.log" 2>&1 &
	echo $! >"$run/spawn.pid"
	echo "$workers" >"$run/workers.n"
}

# The sandbox uids' lock directory (uid_lock_dir; shared by every stack on
# the host that uses the same range): the workers create it in a parent
# they can write to; /run/ll-solution-runner is the systemd unit's
# RuntimeDirectory, made here when it is missing.
lock_dir() {
	local run=$1 dump dir
	dump=$("$run/bin/ll-solution-runner" -c "$run/ll-solution-runner.conf" --dump-config)
	case "$dump" in *'uid_range = "off"'*) return 0 ;; esac
	dir=$(printf '%s\n' "$dump" | sed -n 's/^uid_lock_dir = "\(.*\)"$/\1/p')
	[ -n "$dir" ] && [ ! -d "$dir" ] || return 0
	mkdir -p "$(dirname "$dir")"
	install -d -o "$worker_user" -g "$worker_user" -m 0700 "$dir"
}

start_lighttpd() {
	local run=$1 port=$2 sock="$1/fcgi.sock"

	sed -e "s|^var.llsr_port .*|var.llsr_port = $port|" \
	    -e "s|^var.llsr_socket .*|var.llsr_socket = \"$sock\"|" \
	    -e "s|^var.llsr_logdir .*|var.llsr_logdir = \"$run/log\"|" \
	    -e "s|^var.llsr_pidfile .*|var.llsr_pidfile = \"$run/lighttpd.pid\"|" \
	    -e "s|^var.llsr_errors .*|var.llsr_errors = \"$run/errors\"|" \
	    -e "s|^var.llsr_fcgi_timeout .*|var.llsr_fcgi_timeout = ${LLSR_FCGI_TIMEOUT:-600}|" \
	    "$conf_dir/lighttpd.conf" >"$run/lighttpd.conf"
	install -m 0640 -o www-data -g adm /dev/null "$run/log/lighttpd-error.log"
	install -m 0640 -o www-data -g adm /dev/null "$run/log/lighttpd-access.log"
	lighttpd -tt -f "$run/lighttpd.conf" >/dev/null || { stop "$run"; die "bad lighttpd.conf"; }
	lighttpd -D -f "$run/lighttpd.conf" >>"$run/log/lighttpd.out" 2>&1 &
	echo $! >"$run/lighttpd.pid.keep"
}

# A private Apache: its own ServerRoot, run dir, pid file and logs under
# RUNDIR, only the modules it needs, and conf/apache2.conf as the site with
# its Define lines rewritten (as for lighttpd's var. lines).
start_apache() {
	local run=$1 port=$2 sock="$1/fcgi.sock" m pid
	local ap="$run/apache"

	mkdir -p "$ap"
	sed -e "s|^Define LLSR_LISTEN .*|Define LLSR_LISTEN 127.0.0.1:$port|" \
	    -e "s|^Define LLSR_SOCKET .*|Define LLSR_SOCKET $sock|" \
	    -e "s|^Define LLSR_LOGDIR .*|Define LLSR_LOGDIR $run/log|" \
	    -e "s|^Define LLSR_FCGI_TIMEOUT .*|Define LLSR_FCGI_TIMEOUT ${LLSR_FCGI_TIMEOUT:-600}|" \
	    "$conf_dir/apache2.conf" >"$ap/site.conf"
	{
		echo "ServerRoot \"$ap\""
		echo "DefaultRuntimeDir \"$ap\""
		echo "PidFile \"$ap/apache2.pid\""
		echo "ErrorLog \"$run/log/apache-main-error.log\""
		echo "Mutex file:$ap default"
		for m in mpm_event authz_core alias headers proxy proxy_fcgi; do
			echo "LoadModule ${m}_module $apache_modules/mod_$m.so"
		done
		echo "User www-data"
		echo "Group www-data"
		echo "ServerName localhost"
		echo "Include \"$ap/site.conf\""
	} >"$ap/apache2.conf"
	if ! /usr/sbin/apache2 -t -f "$ap/apache2.conf" >>"$run/log/apache.out" 2>&1 ||
		! /usr/sbin/apache2 -f "$ap/apache2.conf" -k start >>"$run/log/apache.out" 2>&1; then
		cat "$run/log/apache.out" >&2
		stop "$run"
		die "apache did not start"
	fi
	# -k start returns once the daemon is forked; it writes its pid soon
	# after.
	for _ in $(seq 1 100); do
		if [ -s "$ap/apache2.pid" ]; then
			pid=$(cat "$ap/apache2.pid")
			echo "$pid" >"$run/apache.pid.keep"
			return 0
		fi
		sleep 0.1
	done
	stop "$run"
	die "apache wrote no pid file ($ap/apache2.pid)"
}

# Stops the process whose pid file is $1, if any: TERM, then KILL after 15 s.
stop_pidfile() {
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || true
	# Wait for it to finish the request in hand and exit.
	for _ in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$f"
}

stop() {
	local run=$1 f kids="" pid
	# A back end's workers, to see them gone before sweeping (multiwatch
	# may exit before its children do).
	if [ -f "$run/listen" ] && [ -f "$run/spawn.pid" ]; then
		kids=$(pgrep -P "$(cat "$run/spawn.pid")" || true)
	fi
	for f in "$run/lighttpd.pid.keep" "$run/apache.pid.keep" "$run/spawn.pid"; do
		stop_pidfile "$f"
	done
	if [ -f "$run/listen" ]; then
		for pid in $kids; do
			for _ in $(seq 1 150); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		done
		sweep_engine "$run"
	fi
}

# After a back end's workers have stopped: removes the containers of ours
# on its engine whose worker is gone. A worker that could not remove a
# container (its engine was down at that moment) leaves it to the sweeper
# of a later worker (at its start, or once the container's deadline has
# passed); a back end that stops for good has no later worker. Containers
# of live workers (another pool on the same engine) are left alone.
sweep_engine() {
	local run=$1 url sock
	url=$("$run/bin/ll-solution-runner" -c "$run/ll-solution-runner.conf" --dump-config 2>/dev/null |
		sed -n 's/^engine_url = "\(.*\)"$/\1/p') || return 0
	case "$url" in unix://*) sock=${url#unix://} ;; *) return 0 ;; esac
	[ -S "$sock" ] || return 0
	curl -fsS --max-time 10 --unix-socket "$sock" -G http://localhost/containers/json \
		--data-urlencode 'all=1' \
		--data-urlencode 'filters={"label":["ll-solution-runner"]}' 2>/dev/null |
		python3 -c '
import json, os, socket, sys
for c in json.load(sys.stdin):
    owner = c["Labels"].get("ll-solution-runner.owner", "").split(":")
    if len(owner) != 4 or owner[1] != socket.gethostname():
        continue
    if owner[2].isdigit() and os.path.exists("/proc/" + owner[2]):
        continue
    print(c["Id"])' 2>/dev/null |
		while read -r id; do
			curl -fsS --max-time 30 -X DELETE --unix-socket "$sock" \
				"http://localhost/containers/$id?force=1&v=1" >/dev/null 2>&1 &&
				echo "stack.sh: removed container ${id%"${id#????????????}"} its stopped worker left" >&2
		done
	return 0
}

# Is $1 a dotted IPv4 address? (Four numbers 0-255, nothing else: libfcgi
# compares inet_addr() of each entry, which also takes forms like "10.1"
# that would confuse a reader of the list.)
is_ipv4() {
	local IFS=. n
	# shellcheck disable=SC2086
	set -- $1
	[ $# -eq 4 ] || return 1
	for n in "$@"; do
		case "$n" in '' | *[!0-9]*) return 1 ;; esac
		[ "${#n}" -le 3 ] && [ "$n" -le 255 ] || return 1
	done
}

# Private (RFC 1918) or loopback: not reachable from the internet.
is_private_ipv4() {
	local a b
	a=${1%%.*}
	b=${1#*.}
	b=${b%%.*}
	[ "$a" -eq 10 ] || [ "$a" -eq 127 ] ||
		{ [ "$a" -eq 172 ] && [ "$b" -ge 16 ] && [ "$b" -le 31 ]; } ||
		{ [ "$a" -eq 192 ] && [ "$b" -eq 168 ]; }
}

# Checks a back end's bind address and front list; prints the list as
# libfcgi wants it (no blanks).
check_backend_addrs() {
	local addr=$1 fronts=$2 f out=""
	is_ipv4 "$addr" || die "bind address '$addr' is not an IPv4 address (libfcgi's FCGI_WEB_SERVER_ADDRS checks IPv4 peers only)"
	[ "$addr" != 0.0.0.0 ] || die "refusing to bind 0.0.0.0: give the private address the front web servers reach"
	if ! is_private_ipv4 "$addr" && [ "${LLSR_ALLOW_PUBLIC_BIND:-0}" != 1 ]; then
		die "refusing to bind the FastCGI workers to $addr, not a private address: FastCGI has no authentication; set LLSR_ALLOW_PUBLIC_BIND=1 to force"
	fi
	[ -n "$fronts" ] || die "LLSR_FRONTENDS is empty: name the front web servers' addresses (without them libfcgi accepts every peer)"
	for f in $(printf '%s' "$fronts" | tr ', ' '  '); do
		is_ipv4 "$f" || die "LLSR_FRONTENDS: '$f' is not an IPv4 address"
		out="${out:+$out,}$f"
	done
	[ -n "$out" ] || die "LLSR_FRONTENDS names no address"
	printf '%s\n' "$out"
}

# A back end: the worker pool on ADDRESS:PORT, no web server.
start_backend() {
	local bin=$1 conf=$2 run=$3 addr=$4 port=$5 workers=${6:-2} allow

	allow=$(check_backend_addrs "$addr" "${LLSR_FRONTENDS:-}") || exit 1
	mkdir -p "$run/bin"
	install -d -m 0750 -o root -g www-data "$run/log"
	cp "$bin" "$run/bin/ll-solution-runner"
	cp "$conf" "$run/ll-solution-runner.conf"
	chmod 755 "$run" "$run/bin" "$run/bin/ll-solution-runner"
	chmod 644 "$run/ll-solution-runner.conf"
	"$run/bin/ll-solution-runner" --check-config "$run/ll-solution-runner.conf" >/dev/null
	lock_dir "$run"
	printf '%s:%s\n' "$addr" "$port" >"$run/listen"
	printf '%s\n' "$allow" >"$run/frontends"
	FCGI_WEB_SERVER_ADDRS=$allow spawn-fcgi -n -a "$addr" -p "$port" \
		-u "$worker_user" -g "$worker_user" -- \
		/usr/bin/multiwatch -f "$workers" -s TERM -- \
		"$run/bin/ll-solution-runner" -c "$run/ll-solution-runner.conf" \
		>>"$run/log/workers.log" 2>&1 &
	echo $! >"$run/spawn.pid"
	echo "$workers" >"$run/workers.n"
	# Up when the port listens (spawn-fcgi binds before it starts the
	# workers; connections wait in the queue until one accepts). A probe
	# from here would come from an address not in the list.
	for _ in $(seq 1 100); do
		if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		kill -0 "$(cat "$run/spawn.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$run/log/workers.log" >&2 || true
	stop "$run"
	die "the workers did not listen on $addr:$port"
}

# The lines of the members, one per back end, for conf/*-balancer.conf.
members() {
	local web=$1 b host port
	shift
	for b in "$@"; do
		host=${b%:*}
		port=${b##*:}
		if ! is_ipv4 "$host" || [ -z "$port" ] || [ "$port" = "$b" ]; then
			die "back end '$b' is not IPV4ADDRESS:PORT"
		fi
		if [ "$web" = apache ]; then
			# ${LLSR_RETRY} is Apache's Define, not the shell's.
			# shellcheck disable=SC2016
			printf '\tBalancerMember "fcgi://%s:%s" enablereuse=off connectiontimeout=2 retry=${LLSR_RETRY} hcmethod=TCP hcinterval=2 hcfails=1 hcpasses=1\n' "$host" "$port"
		else
			printf '\t\t( "host" => "%s", "port" => %s, "check-local" => "disable", "connect-timeout" => 2, "disable-time" => %s, "write-timeout" => var.llsr_fcgi_timeout, "read-timeout" => var.llsr_fcgi_timeout ),\n' "$host" "$port" "${LLSR_RETRY:-5}"
		fi
	done
}

# Replaces the lines between "# BEGIN members" and "# END members" of $1
# with the file $2.
put_members() {
	awk -v f="$2" '/^[ \t]*# END members$/ { skip = 0 }
		!skip { print }
		/^[ \t]*# BEGIN members$/ { while ((getline l < f) > 0) print l; skip = 1 }' "$1"
}

# A front web server alone, balancing the back ends given.
start_front() {
	local run=$1 listen=$2 port=$3 web=${LLSR_WEB:-lighttpd} m pid
	shift 3
	[ $# -ge 1 ] || die "start-front needs at least one back end"
	mkdir -p "$run/errors"
	install -d -m 0750 -o root -g www-data "$run/log"
	cp "$conf_dir"/errors/*.html "$run/errors/"
	chmod 755 "$run" "$run/errors"
	chmod 644 "$run"/errors/*.html
	members "$web" "$@" >"$run/members" || exit 1
	case "$web" in
	lighttpd)
		sed -e "s|^var.llsr_port .*|var.llsr_port = $port|" \
		    -e "s|^var.llsr_bind .*|var.llsr_bind = \"$listen\"|" \
		    -e "s|^var.llsr_logdir .*|var.llsr_logdir = \"$run/log\"|" \
		    -e "s|^var.llsr_pidfile .*|var.llsr_pidfile = \"$run/lighttpd.pid\"|" \
		    -e "s|^var.llsr_errors .*|var.llsr_errors = \"$run/errors\"|" \
		    -e "s|^var.llsr_fcgi_timeout .*|var.llsr_fcgi_timeout = ${LLSR_FCGI_TIMEOUT:-600}|" \
		    "$conf_dir/lighttpd-balancer.conf" >"$run/lighttpd.conf.in"
		put_members "$run/lighttpd.conf.in" "$run/members" >"$run/lighttpd.conf"
		install -m 0640 -o www-data -g adm /dev/null "$run/log/lighttpd-error.log"
		install -m 0640 -o www-data -g adm /dev/null "$run/log/lighttpd-access.log"
		lighttpd -tt -f "$run/lighttpd.conf" >/dev/null || die "bad lighttpd.conf"
		lighttpd -D -f "$run/lighttpd.conf" >>"$run/log/lighttpd.out" 2>&1 &
		echo $! >"$run/lighttpd.pid.keep"
		;;
	apache)
		local ap="$run/apache"
		mkdir -p "$ap"
		sed -e "s|^Define LLSR_LISTEN .*|Define LLSR_LISTEN $listen:$port|" \
		    -e "s|^Define LLSR_LOGDIR .*|Define LLSR_LOGDIR $run/log|" \
		    -e "s|^Define LLSR_FCGI_TIMEOUT .*|Define LLSR_FCGI_TIMEOUT ${LLSR_FCGI_TIMEOUT:-600}|" \
		    -e "s|^Define LLSR_RETRY .*|Define LLSR_RETRY ${LLSR_RETRY:-5}|" \
		    "$conf_dir/apache2-balancer.conf" >"$ap/site.conf.in"
		put_members "$ap/site.conf.in" "$run/members" >"$ap/site.conf"
		{
			echo "ServerRoot \"$ap\""
			echo "DefaultRuntimeDir \"$ap\""
			echo "PidFile \"$ap/apache2.pid\""
			echo "ErrorLog \"$run/log/apache-main-error.log\""
			echo "Mutex file:$ap default"
			for m in mpm_event authz_core alias headers proxy proxy_fcgi \
				slotmem_shm proxy_balancer lbmethod_byrequests proxy_hcheck; do
				echo "LoadModule ${m}_module $apache_modules/mod_$m.so"
			done
			echo "User www-data"
			echo "Group www-data"
			echo "ServerName localhost"
			echo "Include \"$ap/site.conf\""
		} >"$ap/apache2.conf"
		if ! /usr/sbin/apache2 -t -f "$ap/apache2.conf" >>"$run/log/apache.out" 2>&1 ||
			! /usr/sbin/apache2 -f "$ap/apache2.conf" -k start >>"$run/log/apache.out" 2>&1; then
			cat "$run/log/apache.out" >&2
			stop "$run"
			die "apache did not start"
		fi
		for _ in $(seq 1 100); do
			if [ -s "$ap/apache2.pid" ]; then
				pid=$(cat "$ap/apache2.pid")
				echo "$pid" >"$run/apache.pid.keep"
				return 0
			fi
			sleep 0.1
		done
		stop "$run"
		die "apache wrote no pid file ($ap/apache2.pid)"
		;;
	*) die "LLSR_WEB must be lighttpd or apache" ;;
	esac
}

case "${1:-}" in
start-backend)
	shift
	[ $# -ge 5 ] || die "usage: stack.sh start-backend BINARY CONFIG RUNDIR ADDRESS PORT [WORKERS]"
	start_backend "$@" ;;
start-front)
	shift
	[ $# -ge 4 ] || die "usage: stack.sh start-front RUNDIR LISTEN_ADDRESS PORT BACKEND..."
	start_front "$@" ;;
start) shift; [ $# -ge 4 ] || die "usage: stack.sh start BINARY CONFIG RUNDIR PORT [WORKERS]"; start "$@" ;;
stop) shift; [ $# -eq 1 ] || die "usage: stack.sh stop RUNDIR"; stop "$1" ;;
stop-workers) shift; [ $# -eq 1 ] || die "usage: stack.sh stop-workers RUNDIR"; stop_pidfile "$1/spawn.pid" ;;
start-workers)
	shift; [ $# -ge 1 ] || die "usage: stack.sh start-workers RUNDIR [WORKERS]"
	[ ! -f "$1/spawn.pid" ] || die "the workers of $1 are running"
	start_workers "$1" "${2:-$(cat "$1/workers.n")}" ;;
*) die "usage: stack.sh start|stop|stop-workers|start-workers|start-backend|start-front ..." ;;
esac
