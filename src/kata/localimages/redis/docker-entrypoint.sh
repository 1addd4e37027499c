#!/bin/sh
# Stand-in for the official redis image's entrypoint.
set -e

# first arg is `-f` or `--some-option`, or a .conf file: run redis-server with it
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec gosu redis "$0" "$@"
fi

# The official image compiles redis with protected mode off; Debian's build keeps
# it on, which refuses password-less clients from other containers. Turn it off
# unless the command line or the config file says otherwise.
if [ "$1" = 'redis-server' ]; then
	case " $* " in
		*protected-mode*) ;;
		*)
			if [ -n "$2" ] && [ -f "$2" ] && grep -qiE '^[[:space:]]*protected-mode' "$2"; then
				:
			else
				set -- "$@" --protected-mode no
			fi
			;;
	esac
fi

# set an appropriate umask (if one isn't set already), as the official image does
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
