#!/usr/bin/env bash
# Stand-in for the official postgres image's docker-entrypoint.sh, with the same
# environment interface: POSTGRES_PASSWORD, POSTGRES_USER (default postgres),
# POSTGRES_DB (default: the user), PGDATA, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD, the *_FILE variants, and /docker-entrypoint-initdb.d.
set -Eeo pipefail

# file_env VAR [DEFAULT]: take VAR from VAR_FILE (docker secrets) if that is set
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# first arg is `-f` or `--some-option`: pass it to postgres
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = 'postgres' ]; then
	if [ "$(id -u)" = '0' ]; then
		# as root: fix ownership of the data directory, then re-run as postgres
		mkdir -p "$PGDATA"
		chmod 00700 "$PGDATA" || :
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		mkdir -p /var/run/postgresql
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
		chmod 03775 /var/run/postgresql || :
		exec gosu postgres "$BASH_SOURCE" "$@"
	fi

	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
			cat >&2 <<-'EOE'
				Error: Database is uninitialized and superuser password is not specified.
				       You must specify POSTGRES_PASSWORD to a non-empty value for the
				       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

				       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
				       connections without a password. This is *not* recommended.
			EOE
			exit 1
		fi
		mkdir -p "$PGDATA"
		chmod 00700 "$PGDATA" || :

		# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list on purpose
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
		# local (socket) connections stay "trust" as initdb left them; remote ones need the password
		printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

		# a temporary server on the socket only (where initdb's "trust" applies), so
		# nobody connects over the network before setup is done
		pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start

		psql=( psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc )
		if [ "$POSTGRES_DB" != 'postgres' ]; then
			"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
				CREATE DATABASE :"db" ;
			EOSQL
		fi
		psql+=( --dbname "$POSTGRES_DB" )

		for f in /docker-entrypoint-initdb.d/*; do
			[ -e "$f" ] || continue
			case "$f" in
				*.sh)
					if [ -x "$f" ]; then
						echo "$0: running $f"; "$f"
					else
						echo "$0: sourcing $f"; . "$f"
					fi
					;;
				*.sql)     echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
				*.sql.gz)  echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" ;;
				*.sql.xz)  echo "$0: running $f"; xzcat "$f" | "${psql[@]}" ;;
				*.sql.zst) echo "$0: running $f"; zstd -dc "$f" | "${psql[@]}" ;;
				*)         echo "$0: ignoring $f" ;;
			esac
		done

		pg_ctl -D "$PGDATA" -m fast -w stop
		echo
		echo 'PostgreSQL init process complete; ready for start up.'
		echo
	fi
fi

exec "$@"
