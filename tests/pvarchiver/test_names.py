import pytest

from arrowtap.connectors.pvarchiver.wire.archive import archive_base_url, name_path
from arrowtap.errors import InvalidArgumentError


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("root:ai1", "root%3Aai1"),
        ("a+b", "a%2Bb"),
        ("some test", "some%20test"),
        ("dir/sub/pv", "dir/sub/pv"),
        ("süper", "s%C3%BCper"),
        ("100%", "100%25"),
        ("q?x#y", "q%3Fx%23y"),
    ],
)
def test_names_are_encoded_as_the_server_decodes_them(name: str, path: str) -> None:
    assert name_path(name) == path


@pytest.mark.parametrize("name", ["../admin", "a/../b", "./x", "x/.", "", "bad\nname"])
def test_names_a_url_cannot_carry_are_refused_naming_them(name: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        name_path(name)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://h:9812", "http://h:9812/archive-access/api/1.0"),
        ("http://h:9812/", "http://h:9812/archive-access/api/1.0"),
        ("http://h/proxy/archive-access/api/1.0/", "http://h/proxy/archive-access/api/1.0"),
    ],
)
def test_base_url(url: str, base: str) -> None:
    assert archive_base_url(url) == base


@pytest.mark.parametrize("url", ["ftp://h", "h:9812", 9812])
def test_bad_urls(url: object) -> None:
    with pytest.raises(InvalidArgumentError):
        archive_base_url(url)  # type: ignore[arg-type]
