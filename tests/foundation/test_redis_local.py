import redis

from bankflow import redis_local


def test_server_refuses_the_default_user_and_serves_the_acl_user(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.set("probe", "1")
    assert client.get("probe") == b"1"

    anonymous = redis.Redis.from_url(redis_url.replace("bankflow:", "default:"))
    try:
        anonymous.ping()
    except redis.AuthenticationError:
        pass
    else:
        raise AssertionError("the default user must be off")


def test_tls_server_speaks_tls_1_3_only(tmp_path):
    server = redis_local.start(tmp_path, tls=True)
    try:
        client = redis.Redis.from_url(server.url)
        client.ping()
        sock = client.connection_pool.get_connection()._sock
        assert sock.version() == "TLSv1.3"
        plain = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=2)
        try:
            plain.ping()
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        else:
            raise AssertionError("a plain-text client must not be served")
    finally:
        server.stop()
