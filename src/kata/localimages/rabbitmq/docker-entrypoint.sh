#!/bin/sh
# Stand-in for the official rabbitmq image's entrypoint: the default user from the env.
set -e
if [ -n "$RABBITMQ_DEFAULT_USER" ] || [ -n "$RABBITMQ_DEFAULT_PASS" ]; then
	{
		echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
		echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
		echo "loopback_users = none"
	} >> /etc/rabbitmq/rabbitmq.conf
fi
exec "$@"
