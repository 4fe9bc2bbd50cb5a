# apt_get: apt-get that waits for another apt process to let go of its locks instead of failing.
# On a fresh VM unattended upgrades or cloud-init often hold them for minutes. DPkg::Lock::Timeout covers installs;
# 'apt-get update' takes the lists lock, which it does not wait for, so a lock failure is retried every
# APT_LOCK_POLL seconds for up to APT_LOCK_WAIT seconds. Any other failure is returned at once, with apt's output.
# Sourced by the setup scripts (and by its test, src/test/java/dev/lore/SetupScriptsTests.java).
APT_LOCK_WAIT="${APT_LOCK_WAIT:-600}"
APT_LOCK_POLL="${APT_LOCK_POLL:-5}"
apt_get() {
    local out waited=0
    while true; do
        if out=$(apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" "$@" 2>&1); then
            return 0
        fi
        if [[ $out == *"Could not get lock"* || $out == *"Unable to lock"* ]] && (( waited < APT_LOCK_WAIT )); then
            (( waited == 0 )) && echo "[setup] another apt process holds its lock; waiting (up to ${APT_LOCK_WAIT}s)"
            sleep "$APT_LOCK_POLL"
            waited=$((waited + (APT_LOCK_POLL > 0 ? APT_LOCK_POLL : 1)))
            continue
        fi
        echo "$out" >&2
        return 1
    done
}
