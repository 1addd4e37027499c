#!/bin/sh
# No init system in a container: stop package postinst scripts (postgresql, redis)
# from trying to start their daemons during image builds.
exit 101
