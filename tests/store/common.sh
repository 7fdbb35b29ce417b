# Helpers shared by the store start scripts: a free port on 127.0.0.1 and a
# wait until a server listens. Sourced, not run.

# Prints a port nothing listens on (the server start retries on a race).
store_free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# store_wait_port PORT PID: waits up to 10 s for PORT to accept connections
# while PID lives.
store_wait_port() {
    local i
    for i in $(seq 1 100); do
        kill -0 "$2" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}
