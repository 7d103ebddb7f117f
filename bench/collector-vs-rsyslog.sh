#!/usr/bin/env bash
# bench/collector-vs-rsyslog.sh [N]
#
# Messages per second, from the first byte sent to the last entry durable on disk, for
# `hipaa-audit serve` (hash-chained JSON entries, fsync per batch) and for rsyslog writing
# one JSON line per message, over TCP on loopback, with the same N messages of 250 bytes
# (RFC 5424, LF-framed) sent the same way; then UDP loss at a steady rate and unthrottled.
# Everything runs in this one invocation; see bench/README.md for what each figure means.
#
# Environment (all optional):
#   REPEAT=3            runs of each TCP measurement (interleaved; the table shows min/median/max)
#   UDP_REPEAT=2        runs of each UDP measurement
#   CONNS=1             TCP connections the message file is split over
#   RSYSLOG_VARIANTS="default flush fsync"   which rsyslog omfile settings to run (below; "" for none)
#   FSYNC=always        hipaa-audit [store] fsync; "never" only to see what fsync costs (the goal
#                       is measured with "always")
#   NOFSYNC_ROW=1       also run hipaa-audit with fsync = "never" (its own row, not the goal's
#                       figure: it shows the CPU side without the disk); 0 to skip
#   DISK_MB=1024        MiB written (dd, conv=fdatasync) to measure the disk's write bandwidth
#                       under BENCH_TMP; 0 to skip. With fsync per batch every entry byte
#                       must reach the disk, so bandwidth / bytes per entry is a ceiling.
#   QUEUE_CAPACITY, BATCH_MAX, UDP_RECV_BUFFER   hipaa-audit [limits] (defaults: the project's)
#   UDP_RATE=50000 UDP_SECONDS=5 UDP_BLAST=200000
#   SKIP_UDP=1          TCP only
#   BIG_N=3000 BIG_CONNS=32   memory under a flood of 65,000-byte messages (half plain text,
#                       half control characters, which JSON escapes to 6 bytes each) over
#                       BIG_CONNS connections: peak RSS and verify; BIG_N=0 to skip
#   FLOOD_CONNS=1000    memory when that many connections all send at once (the N messages
#                       split over them, hipaa-audit only): peak RSS and verify; 0 to skip
#   BENCH_TMP=/var/tmp  where the stores go (must be a real disk, not tmpfs, for fsync to count)
#   KEEP=1              keep the work directory (stores, logs, configs) instead of deleting it
#   TIMEOUT=900         seconds any single wait may take (every loop here is bounded)
#
# Only 127.0.0.1 is ever a target. Exit: 0 ran (the goal's verdict is printed, not the exit
# code), 1 rsyslogd missing or a run failed.
set -euo pipefail

N=${1:-1000000}
REPEAT=${REPEAT:-3}
UDP_REPEAT=${UDP_REPEAT:-2}
CONNS=${CONNS:-1}
RSYSLOG_VARIANTS=${RSYSLOG_VARIANTS-default flush fsync}
FSYNC=${FSYNC:-always}
NOFSYNC_ROW=${NOFSYNC_ROW:-1}
DISK_MB=${DISK_MB:-1024}
# The project's [limits] defaults (src/config.rs), unless overridden.
QUEUE_CAPACITY=${QUEUE_CAPACITY:-2048}
BATCH_MAX=${BATCH_MAX:-4096}
UDP_RECV_BUFFER=${UDP_RECV_BUFFER:-8388608}
UDP_RATE=${UDP_RATE:-50000}
UDP_SECONDS=${UDP_SECONDS:-5}
UDP_BLAST=${UDP_BLAST:-200000}
TIMEOUT=${TIMEOUT:-900}
BIG_N=${BIG_N:-3000}
BIG_CONNS=${BIG_CONNS:-32}
FLOOD_CONNS=${FLOOD_CONNS:-1000}

cd "$(dirname "$0")/.."
ROOT=$PWD

if ! command -v rsyslogd >/dev/null 2>&1; then
    echo "rsyslogd not found: apt-get install rsyslog" >&2
    exit 1
fi

echo "== building (cargo build --release, and the loadgen example)"
cargo build --release --quiet
cargo build --release --quiet --example loadgen
SPID=""  # the one server running now (a child of this script), empty when none
WORK=""
cleanup() {
    if [ -n "$SPID" ]; then
        kill -TERM "$SPID" 2>/dev/null || true
        wait "$SPID" 2>/dev/null || true
    fi
    if [ -z "$WORK" ]; then
        return
    elif [ "${KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
WORK=$(mktemp -d "${BENCH_TMP:-/var/tmp}/hipaa-bench.XXXXXX")
# Private copies: a rebuild of target/ during the run (others share it) cannot swap them.
cp "$ROOT/target/release/hipaa-audit" "$ROOT/target/release/examples/loadgen" "$WORK/"
BIN=$WORK/hipaa-audit
LG=$WORK/loadgen
RESULTS=$WORK/results.tsv
: >"$RESULTS"

fail() {
    echo "FAILED: $*" >&2
    exit 1
}
# key=value from a loadgen output file
val() { sed -n "s/^$1=//p" "$2" | tail -n1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# CPU seconds (user + system) the process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
vmhwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
udp_rcvbuf_errors() { awk '/^Udp:/ { n++; if (n == 2) print $6 }' /proc/net/snmp; }
# Stops (TERM) and reaps the server we started; after TIMEOUT seconds, KILLs it.
stop() {
    local pid=$1 i=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ $i -ge $((TIMEOUT * 50)) ]; then
            echo "server $pid did not stop within ${TIMEOUT}s of SIGTERM: killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.02
        i=$((i + 1))
    done
    wait "$pid" 2>/dev/null || true
    SPID=""
}
# Waits (bounded) until a counter stops moving for 1.5 s; prints its value.
settle() {
    local cmd=$1 last=-1 cur stable=0 i=0
    while [ $i -lt 300 ]; do
        cur=$($cmd | sed -n 's/^count=//p')
        if [ "$cur" = "$last" ]; then
            stable=$((stable + 1))
            [ $stable -ge 15 ] && break
        else
            stable=0
        fi
        last=$cur
        sleep 0.1
        i=$((i + 1))
    done
    echo "$last"
}

echo "== generating $N messages (RFC 5424, 250 bytes with LF)"
MSGS=$WORK/messages.txt
"$LG" gen "$N" "$MSGS" >/dev/null
UDP_STEADY_COUNT=$(awk -v r="$UDP_RATE" -v s="$UDP_SECONDS" 'BEGIN { printf "%d", r * s }')
UDP_MAX=$((UDP_STEADY_COUNT > UDP_BLAST ? UDP_STEADY_COUNT : UDP_BLAST))
UDP_MSGS=$WORK/udp-messages.txt
"$LG" gen "$UDP_MAX" "$UDP_MSGS" >/dev/null

# The kernel caps SO_RCVBUF at net.core.rmem_max (then doubles it); rsyslog as root uses
# SO_RCVBUFFORCE, which ignores the cap, so it is asked for the capped size: both sockets
# then get the same buffer.
RMEM_MAX=$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 212992)
UDP_BUF_EFFECTIVE=$((UDP_RECV_BUFFER < RMEM_MAX ? UDP_RECV_BUFFER : RMEM_MAX))

hipaa_conf() { # fsync-policy
    cat <<EOF
# written by bench/collector-vs-rsyslog.sh
[store]
fsync = "$1"

[limits]
queue_capacity = $QUEUE_CAPACITY
batch_max = $BATCH_MAX
udp_recv_buffer = $UDP_RECV_BUFFER
stats_interval_secs = 0
drain_timeout_secs = 5
EOF
}
hipaa_conf "$FSYNC" >"$WORK/hipaa.toml"
hipaa_conf never >"$WORK/hipaa-nofsync.toml"

# ---- rsyslog configuration -------------------------------------------------------------
# default: omfile as shipped (4 KiB buffer, flushOnTXEnd on: written at each batch end, no fsync)
# flush:   ioBufferSize 256k, flushOnTXEnd on (each batch one write, no fsync)
# fsync:   as flush, plus sync="on" (fsync of the file after each batch, like hipaa-audit's
#          group commit), with the main queue's batch raised to hipaa-audit's batch_max
rsyslog_conf() { # variant dir tcp-port udp-port
    local variant=$1 d=$2 tport=$3 uport=$4 action queue=""
    case $variant in
    default) action='action(type="omfile" file="'"$d"'/out.jsonl" template="json")' ;;
    flush) action='action(type="omfile" file="'"$d"'/out.jsonl" template="json" ioBufferSize="256k" flushOnTXEnd="on")' ;;
    fsync)
        action='action(type="omfile" file="'"$d"'/out.jsonl" template="json" ioBufferSize="256k" flushOnTXEnd="on" sync="on")'
        queue='main_queue(queue.dequeueBatchSize="'"$BATCH_MAX"'")'
        ;;
    *) fail "unknown rsyslog variant $variant" ;;
    esac
    mkdir -p "$d/work"
    cat <<EOF
# written by bench/collector-vs-rsyslog.sh (variant: $variant)
global(workDirectory="$d/work" maxMessageSize="64k")
$queue
$([ -n "$tport" ] && printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")' "$tport")
$([ -n "$uport" ] && printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="%s")' "$uport" "$UDP_BUF_EFFECTIVE")
template(name="json" type="list" option.jsonf="on") {
  property(outname="received" name="timegenerated" dateFormat="rfc3339" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="source_ip" name="fromhost-ip" format="jsonf")
  property(outname="facility" name="syslogfacility-text" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
  property(outname="app_name" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="structured_data" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
}
$action
EOF
}

start_rsyslog() { # variant dir tcp-port udp-port -> sets SPID
    rsyslog_conf "$@" >"$2/rsyslog.conf"
    rsyslogd -N1 -f "$2/rsyslog.conf" >"$2/rsyslog-check.log" 2>&1 || {
        cat "$2/rsyslog-check.log" >&2
        fail "rsyslog rejected $2/rsyslog.conf"
    }
    rsyslogd -n -f "$2/rsyslog.conf" -i "$2/rsyslogd.pid" >"$2/rsyslog.log" 2>&1 &
    SPID=$!
}

start_hipaa() { # dir listen-args... -> sets SPID (config: $HIPAA_CONF, default hipaa.toml)
    local d=$1
    shift
    "$BIN" --config "${HIPAA_CONF:-$WORK/hipaa.toml}" serve --log-dir "$d/store" "$@" >"$d/serve.log" 2>&1 &
    SPID=$!
}

# ---- TCP --------------------------------------------------------------------------------
tcp_hipaa() { # run [nofsync]
    local d=$WORK/tcp-hipaa-$1${2:-} port hwm cpu t_exit t0 t1 verdict bytes name=hipaa-audit
    mkdir -p "$d"
    port=$("$LG" free-port)
    if [ "${2:-}" = nofsync ]; then
        name=hipaa-audit-nofsync
        HIPAA_CONF=$WORK/hipaa-nofsync.toml start_hipaa "$d" --tcp "127.0.0.1:$port"
    else
        start_hipaa "$d" --tcp "127.0.0.1:$port"
    fi
    "$LG" tcp "127.0.0.1:$port" "$MSGS" --conns "$CONNS" --count "$N" --wait-head "$d/store" --timeout "$TIMEOUT" >"$d/load.out" ||
        fail "hipaa-audit run $1: $(tail -n2 "$d/load.out") (see $d)"
    hwm=$(vmhwm "$SPID")
    cpu=$(cpu_s "$SPID")
    stop "$SPID"
    t_exit=$(now)
    t0=$(now)
    verdict=$("$BIN" verify --log-dir "$d/store" 2>&1 | head -n1) || true
    t1=$(now)
    [ "$verdict" = PASS ] || fail "verify of run $1 said: $verdict"
    bytes=$(stat -c %s "$d/store/audit.jsonl") # nothing rotates during a run
    printf 'tcp\t%s\t%s\t%s\t%s\t%s\t%s\tto_exit=%s verify=%s verify_s=%s bytes_per_entry=%s\n' "$name" "$1" \
        "$(val rate "$d/load.out")" "$(val seconds "$d/load.out")" "$hwm" "$cpu" \
        "$(sub "$t_exit" "$(val t_first_byte "$d/load.out")")" "$verdict" "$(sub "$t1" "$t0")" $((bytes / N)) >>"$RESULTS"
    rm -rf "$d/store"
}

tcp_rsyslog() { # variant run
    local d=$WORK/tcp-rsyslog-$1-$2 port hwm cpu t_exit
    mkdir -p "$d"
    port=$("$LG" free-port)
    start_rsyslog "$1" "$d" "$port" ""
    "$LG" tcp "127.0.0.1:$port" "$MSGS" --conns "$CONNS" --count "$N" --wait-lines "$d/out.jsonl" --timeout "$TIMEOUT" >"$d/load.out" ||
        fail "rsyslog $1 run $2: $(tail -n2 "$d/load.out") (see $d)"
    hwm=$(vmhwm "$SPID")
    cpu=$(cpu_s "$SPID")
    stop "$SPID"
    t_exit=$(now)
    printf 'tcp\trsyslog-%s\t%s\t%s\t%s\t%s\t%s\tto_exit=%s bytes_per_entry=%s\n' "$1" "$2" \
        "$(val rate "$d/load.out")" "$(val seconds "$d/load.out")" "$hwm" "$cpu" \
        "$(sub "$t_exit" "$(val t_first_byte "$d/load.out")")" $(($(wc -c <"$d/out.jsonl") / N)) >>"$RESULTS"
    rm -f "$d/out.jsonl"
}

# ---- large messages: memory ------------------------------------------------------------
big_hipaa() {
    local d=$WORK/big-hipaa port hwm verdict
    mkdir -p "$d"
    # Odd lines plain words, even lines control characters (\x01), 65,000 bytes with LF.
    awk -v n="$BIG_N" 'BEGIN {
        hdr = "<134>1 2026-01-15T10:00:00.000Z big-host.example.org big-app 1 - - "
        want = 65000 - length(hdr) - 1
        plain = ""; while (length(plain) < want) plain = plain "patient chart viewed by clinician "
        plain = substr(plain, 1, want)
        ctl = sprintf("%c", 1); while (length(ctl) < want) ctl = ctl ctl
        ctl = substr(ctl, 1, want)
        for (i = 0; i < n; i++) printf "%s%s\n", hdr, (i % 2 ? ctl : plain)
    }' >"$WORK/big.txt"
    port=$("$LG" free-port)
    start_hipaa "$d" --tcp "127.0.0.1:$port"
    "$LG" tcp "127.0.0.1:$port" "$WORK/big.txt" --conns "$BIG_CONNS" --count "$BIG_N" --wait-head "$d/store" --timeout "$TIMEOUT" >"$d/load.out" ||
        fail "hipaa-audit large messages: $(tail -n2 "$d/load.out") (see $d)"
    hwm=$(vmhwm "$SPID")
    stop "$SPID"
    verdict=$("$BIN" verify --log-dir "$d/store" 2>&1 | head -n1) || true
    [ "$verdict" = PASS ] || fail "verify of the large-message run said: $verdict"
    printf 'big\thipaa-audit\t1\t%s\t%s\t%s\t0\tbytes_per_entry=%s\n' "$(val rate "$d/load.out")" \
        "$(val seconds "$d/load.out")" "$hwm" $(($(stat -c %s "$d/store/audit.jsonl") / BIG_N)) >>"$RESULTS"
    rm -rf "$d/store" "$WORK/big.txt"
}

# ---- many connections at once: memory ---------------------------------------------------
flood_hipaa() {
    local d=$WORK/flood-hipaa port hwm verdict
    mkdir -p "$d"
    port=$("$LG" free-port)
    start_hipaa "$d" --tcp "127.0.0.1:$port"
    "$LG" tcp "127.0.0.1:$port" "$MSGS" --conns "$FLOOD_CONNS" --count "$N" --wait-head "$d/store" --timeout "$TIMEOUT" >"$d/load.out" ||
        fail "hipaa-audit over $FLOOD_CONNS connections: $(tail -n2 "$d/load.out") (see $d)"
    hwm=$(vmhwm "$SPID")
    stop "$SPID"
    verdict=$("$BIN" verify --log-dir "$d/store" 2>&1 | head -n1) || true
    [ "$verdict" = PASS ] || fail "verify of the many-connection run said: $verdict"
    printf 'flood\thipaa-audit\t1\t%s\t%s\t%s\t0\tconns=%s\n' "$(val rate "$d/load.out")" \
        "$(val seconds "$d/load.out")" "$hwm" "$FLOOD_CONNS" >>"$RESULTS"
    rm -rf "$d/store"
}

# ---- UDP --------------------------------------------------------------------------------
udp_send() { # port mode out
    if [ "$2" = steady ]; then
        "$LG" udp "127.0.0.1:$1" "$UDP_MSGS" --rate "$UDP_RATE" --count "$UDP_STEADY_COUNT" >"$3"
    else
        "$LG" udp "127.0.0.1:$1" "$UDP_MSGS" --rate 0 --count "$UDP_BLAST" >"$3"
    fi
}

udp_record() { # server mode run dir received hwm kernel-drops [drops-the-server-counted]
    local sent rate
    sent=$(val sent "$4/load.out")
    rate=$(val rate "$4/load.out")
    printf 'udp\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$sent" "$5" "$rate" "$6" "$7" "${8:--}" >>"$RESULTS"
}

udp_hipaa() { # mode run
    local d=$WORK/udp-hipaa-$1-$2 port before got hwm own
    mkdir -p "$d"
    port=$("$LG" free-port)
    start_hipaa "$d" --udp "127.0.0.1:$port"
    "$LG" wait-bound udp "$port" 30 || fail "hipaa-audit did not bind udp $port (see $d/serve.log)"
    before=$(udp_rcvbuf_errors)
    udp_send "$port" "$1" "$d/load.out"
    settle "$LG head-count $d/store" >/dev/null
    hwm=$(vmhwm "$SPID")
    stop "$SPID"
    got=$("$LG" head-count "$d/store" | sed -n 's/^count=//p')
    # What the collector itself counted (its exit counters line).
    own=$(grep 'when="exit"' "$d/serve.log" | sed -n 's/.*udp_kernel_drops=\([0-9]*\).*/\1/p' | tail -n1)
    udp_record hipaa-audit "$1" "$2" "$d" "$got" "$hwm" $(($(udp_rcvbuf_errors) - before)) "${own:-?}"
    rm -rf "$d/store"
}

udp_rsyslog() { # variant mode run
    local d=$WORK/udp-rsyslog-$1-$2-$3 port before got hwm
    mkdir -p "$d"
    port=$("$LG" free-port)
    start_rsyslog "$1" "$d" "" "$port"
    "$LG" wait-bound udp "$port" 30 || fail "rsyslog did not bind udp $port (see $d/rsyslog.log)"
    before=$(udp_rcvbuf_errors)
    udp_send "$port" "$2" "$d/load.out"
    settle "$LG line-count $d/out.jsonl" >/dev/null
    hwm=$(vmhwm "$SPID")
    stop "$SPID"
    got=$("$LG" line-count "$d/out.jsonl" | sed -n 's/^count=//p')
    udp_record "rsyslog-$1" "$2" "$3" "$d" "$got" "$hwm" $(($(udp_rcvbuf_errors) - before))
    rm -f "$d/out.jsonl"
}

# ---- run --------------------------------------------------------------------------------
echo "== tree: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' + uncommitted changes in src/')"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); rsyslogd $(rsyslogd -v | head -n1 | awk '{print $2}')"
echo "== TCP: $N messages over $CONNS connection(s), $REPEAT interleaved runs each"
echo "   hipaa-audit: fsync=$FSYNC queue_capacity=$QUEUE_CAPACITY batch_max=$BATCH_MAX"
DISK_BPS=0
if [ "$DISK_MB" -gt 0 ]; then
    # The disk's sequential write bandwidth where the stores go, data made durable
    # (fdatasync) as the collector's fsync does. Random bytes, so nothing can compress them.
    head -c $((DISK_MB * 1048576)) /dev/urandom >"$WORK/disk-test.src"
    t0=$(now)
    dd if="$WORK/disk-test.src" of="$WORK/disk-test" bs=1M conv=fdatasync status=none
    t1=$(now)
    DISK_BPS=$(awk -v b=$((DISK_MB * 1048576)) -v s="$(sub "$t1" "$t0")" 'BEGIN { printf "%d", b / s }')
    rm -f "$WORK/disk-test" "$WORK/disk-test.src"
    echo "   disk: $((DISK_BPS / 1000000)) MB/s sequential write with fdatasync ($DISK_MB MiB under ${BENCH_TMP:-/var/tmp})"
fi
for r in $(seq 1 "$REPEAT"); do
    echo "   run $r: hipaa-audit"
    tcp_hipaa "$r"
    if [ "$NOFSYNC_ROW" = 1 ]; then
        echo "   run $r: hipaa-audit-nofsync"
        tcp_hipaa "$r" nofsync
    fi
    for v in $RSYSLOG_VARIANTS; do
        echo "   run $r: rsyslog-$v"
        tcp_rsyslog "$v" "$r"
    done
done

if [ "$BIG_N" -gt 0 ]; then
    echo "== large messages: $BIG_N of 65,000 bytes over $BIG_CONNS connections (hipaa-audit, project defaults)"
    big_hipaa
fi

if [ "$FLOOD_CONNS" -gt 0 ]; then
    echo "== many connections: $N messages over $FLOOD_CONNS connections at once (hipaa-audit, project defaults)"
    flood_hipaa
fi

if [ "${SKIP_UDP:-0}" != 1 ]; then
    echo "== UDP: steady $UDP_RATE/s for ${UDP_SECONDS}s ($UDP_STEADY_COUNT datagrams), then $UDP_BLAST unthrottled; $UDP_REPEAT runs each"
    echo "   receive buffer: asked $UDP_RECV_BUFFER, net.core.rmem_max $RMEM_MAX (rsyslog asked $UDP_BUF_EFFECTIVE)"
    for r in $(seq 1 "$UDP_REPEAT"); do
        for mode in steady blast; do
            echo "   run $r: $mode hipaa-audit"
            udp_hipaa "$mode" "$r"
            for v in $RSYSLOG_VARIANTS; do
                [ "$v" = default ] && continue
                echo "   run $r: $mode rsyslog-$v"
                udp_rsyslog "$v" "$mode" "$r"
            done
        done
    done
fi

# ---- report -----------------------------------------------------------------------------
echo
echo "== TCP: messages/s from first byte sent to the Nth entry on disk (hipaa-audit: fsynced, per audit.head)"
awk -F'\t' -v n_msgs="$N" -v disk_bps="$DISK_BPS" '
function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
function median(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
$1 == "tcp" {
    k = $2; n[k]++; r[k, n[k]] = $4; c[k, n[k]] = $7; m[k] = ($6 > m[k] ? $6 : m[k])
    if (match($8, /bytes_per_entry=[0-9]+/)) bpe[k] = substr($8, RSTART + 16, RLENGTH - 16) + 0
    if (!(k in seen)) { seen[k] = 1; order[++no] = k }
}
END {
    printf "%-20s %9s %9s %9s %7s %12s %14s %10s\n", "server", "median/s", "min/s", "max/s", "spread", "peak RSS MB", "CPU us/msg", "bytes/msg"
    for (o = 1; o <= no; o++) {
        k = order[o]; cnt = n[k]; delete v; delete u
        for (i = 1; i <= cnt; i++) { v[i] = r[k, i] + 0; u[i] = c[k, i] * 1e6 / n_msgs }
        sort(v, cnt); sort(u, cnt)
        med = median(v, cnt); med_of[k] = med; rss[k] = m[k] / 1024
        printf "%-20s %9d %9d %9d %6.0f%% %12.1f %7.1f (%.1f-%.1f) %10d\n", k, med, v[1], v[cnt], (med ? 100 * (v[cnt] - v[1]) / med : 0), rss[k], median(u, cnt), u[1], u[cnt], bpe[k]
    }
    h = med_of["hipaa-audit"]; best = ""; bestv = 0
    for (k in med_of) if (k ~ /^rsyslog-/ && k != "rsyslog-fsync" && med_of[k] > bestv) { bestv = med_of[k]; best = k }
    print ""
    if (bestv > 0) printf "ratio hipaa-audit / %s (fastest rsyslog without fsync): %.2fx  (goal >= 1.5x)\n", best, h / bestv
    if (med_of["rsyslog-fsync"] > 0) printf "ratio hipaa-audit / rsyslog-fsync (rsyslog also fsyncing every batch): %.2fx\n", h / med_of["rsyslog-fsync"]
    if (bestv > 0 && med_of["hipaa-audit-nofsync"] > 0) printf "ratio hipaa-audit-nofsync / %s (the same work, not waiting for the disk; not the goal): %.2fx\n", best, med_of["hipaa-audit-nofsync"] / bestv
    if (bpe["hipaa-audit"] > 0) {
        printf "durable writes: hipaa-audit %d bytes/entry x %d/s = %d MB/s fsynced", bpe["hipaa-audit"], h, h * bpe["hipaa-audit"] / 1e6
        if (disk_bps > 0) printf " (dd with fdatasync on this disk: %d MB/s)", disk_bps / 1e6
        if (bestv > 0) printf "; 1.5x %s would need %d MB/s fsynced", best, 1.5 * bestv * bpe["hipaa-audit"] / 1e6
        printf "\n"
    }
    printf "hipaa-audit peak RSS %.1f MB (goal < 100 MB)\n", rss["hipaa-audit"]
    if (bestv > 0) printf "GOAL %s\n", (h >= 1.5 * bestv && rss["hipaa-audit"] < 100) ? "MET" : "NOT MET"
}' "$RESULTS"
echo
echo "per run (tcp, server, run, msgs/s, seconds, VmHWM kB, CPU s, extra):"
awk -F'\t' '$1 == "tcp"' "$RESULTS" | sed 's/^/  /'
awk -F'\t' '$1 == "flood" { printf "\n== many connections: %s, %d msgs/s, peak RSS %.1f MB (goal < 100 MB), verify PASS\n", $8, $4, $6 / 1024 }' "$RESULTS"
awk -F'\t' '$1 == "big" { printf "\n== large messages: %d msgs/s (%.0f MB/s of messages), peak RSS %.1f MB (goal < 100 MB), %s, verify PASS\n", $4, $4 * 65000 / 1e6, $6 / 1024, $8 }' "$RESULTS"

if [ "${SKIP_UDP:-0}" != 1 ]; then
    echo
    echo "== UDP: received vs sent (kernel RcvbufErrors = datagrams dropped at a full socket buffer, machine-wide;"
    echo "   self-counted = the udp_kernel_drops hipaa-audit logged at exit for its own socket)"
    printf '  %-16s %-7s %4s %9s %9s %8s %10s %10s %8s %12s\n' server mode run sent stored "loss%" "send/s" "RSS MB" "rcvbuf-drops" "self-counted"
    awk -F'\t' '$1 == "udp" { printf "  %-16s %-7s %4s %9d %9d %7.2f%% %10d %10.1f %8d %12s\n", $2, $3, $4, $5, $6, ($5 ? 100 * ($5 - $6) / $5 : 0), $7, $8 / 1024, $9, $10 }' "$RESULTS"
fi
cp "$RESULTS" "$ROOT/bench/last-results.tsv" 2>/dev/null || true
echo
echo "raw results: bench/last-results.tsv"
