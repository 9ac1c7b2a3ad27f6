"""The server configuration file (XML): export as the server writes it, import as it reads it.

Export follows ``ArchiveServerConfigurationXmlExport``: UTF-8, CRLF line
ends, two-space indentation, ``enabled="false"`` only for disabled channels,
``raw-samples`` only with a retention, ``retention-period`` only when not 0,
an option's ``value`` only when not empty, and a self-closing ``<channel/>``
when there is nothing inside. Import reads the same format (the namespace is
required) and turns it into the commands the server generates for the flags.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import quoteattr

from arrowtap.testing.pvarchiver.admin_parse import verify_retention
from arrowtap.testing.pvarchiver.admin_state import ChannelConfig

__all__ = ["NAMESPACE", "export_xml", "import_commands", "parse_xml"]

NAMESPACE = "http://www.aquenos.com/2016/xmlns/cassandra-pv-archiver-configuration"
_SCHEMA = "http://www.aquenos.com/2016/xmlns/cassandra-pv-archiver-configuration-3.0.0.xsd"
_NL = "\r\n"


def _attr(value: str) -> str:
    return quoteattr(value, {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def export_xml(channels: list[ChannelConfig]) -> bytes:
    r"""The configuration file of ``channels`` (in the order given).

    Examples
    --------
    >>> xml = export_xml([ChannelConfig("a", "s", retention={0: 60, 30: 0})])
    >>> for line in xml.split(b"\r\n")[2:6]:
    ...     print(line.decode())
      <channel name="a" control-system-type="channel_access">
        <raw-samples retention-period="60"/>
        <decimation-level decimation-period="30"/>
      </channel>
    """
    out = ['<?xml version="1.0" encoding="UTF-8"?>', _NL]
    out.append(
        f'<server-configuration xmlns="{NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} {_SCHEMA}">{_NL}'
    )
    for c in channels:
        start = (
            f"  <channel name={_attr(c.name)} control-system-type={_attr(c.control_system_type)}"
        )
        if not c.enabled:
            start += ' enabled="false"'
        inner = []
        for period in sorted(c.retention):
            kept = c.retention[period]
            if period == 0:
                if kept > 0:
                    inner.append(f'    <raw-samples retention-period="{kept}"/>{_NL}')
                continue
            extra = f' retention-period="{kept}"' if kept > 0 else ""
            inner.append(f'    <decimation-level decimation-period="{period}"{extra}/>{_NL}')
        for name, value in sorted(c.options.items()):
            extra = f" value={_attr(value)}" if value else ""
            inner.append(f"    <control-system-option name={_attr(name)}{extra}/>{_NL}")
        if inner:
            out += [start, ">", _NL, *inner, "  </channel>", _NL]
        else:
            out += [start, "/>", _NL]
    out += ["</server-configuration>", _NL]
    return "".join(out).encode("utf-8")


def _int(element: ET.Element, name: str, default: int | None = None) -> int:
    text = element.get(name)
    if text is None:
        if default is None:
            raise ValueError(f"attribute {name!r} of <{element.tag}> is required")
        return default
    value = int(text)
    if value < 0 or value > 2**31 - 1:
        raise ValueError(f"attribute {name!r} of <{element.tag}> is out of range: {text!r}")
    return value


def parse_xml(data: bytes) -> list[dict[str, Any]]:
    """The channels of a configuration file; ``ValueError`` describes a parsing error."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(str(exc)) from None
    ns = "{" + NAMESPACE + "}"
    if root.tag != ns + "server-configuration":
        raise ValueError(f"unexpected root element {root.tag!r}")
    channels: list[dict[str, Any]] = []
    seen: set[str] = set()
    for element in root:
        if element.tag != ns + "channel":
            raise ValueError(f"unexpected element {element.tag!r}")
        name, cs_type = element.get("name"), element.get("control-system-type")
        if not name or not cs_type:
            raise ValueError("a channel needs a name and a control-system-type")
        if name in seen:
            raise ValueError(f'Channel "{name}" is present more than once.')
        seen.add(name)
        retention = {0: 0}
        options: dict[str, str] = {}
        for child in element:
            if child.tag == ns + "raw-samples":
                retention[0] = _int(child, "retention-period", 0)
            elif child.tag == ns + "decimation-level":
                period = _int(child, "decimation-period")
                if period < 1:
                    raise ValueError("decimation-period must be at least 1")
                retention[period] = _int(child, "retention-period", 0)
            elif child.tag == ns + "control-system-option" and child.get("name"):
                options[str(child.get("name"))] = child.get("value", "")
            else:
                raise ValueError(f"unexpected element {child.tag!r} in channel {name!r}")
        if (message := verify_retention(retention)) is not None:
            raise ValueError(message)
        enabled = element.get("enabled", "true")
        if enabled not in ("true", "false", "1", "0"):
            raise ValueError(f"invalid enabled value {enabled!r}")
        channels.append(
            {
                "name": name,
                "controlSystemType": cs_type,
                "enabled": enabled in ("true", "1"),
                "retention": retention,
                "options": options,
            }
        )
    return channels


def import_commands(
    channels: list[dict[str, Any]], flags: dict[str, bool], server_id: str, existing: list[str]
) -> list[dict[str, Any]]:
    """The (parsed) commands the server generates for an import, as in its source."""
    add, update = flags["addChannels"], flags["updateChannels"]
    commands: list[dict[str, Any]] = []
    for c in channels if add or update else []:
        levels = set(c["retention"])
        command: dict[str, Any] = {"channelName": c["name"]}
        if add:
            command |= {
                "commandType": "add_or_update_channel" if update else "add_channel",
                "controlSystemType": c["controlSystemType"],
                "decimationLevels": levels,
                "decimationLevelToRetentionPeriod": dict(c["retention"]),
                "enabled": c["enabled"],
                "options": dict(c["options"]),
                "serverId": server_id,
            }
        else:
            command |= {
                "commandType": "update_channel",
                "decimationLevels": levels,
                "decimationLevelToRetentionPeriod": dict(c["retention"]),
                "enabled": c["enabled"],
                "expectedControlSystemType": c["controlSystemType"],
                "expectedServerId": server_id,
                "options": dict(c["options"]),
            }
        commands.append(command)
    if flags["removeChannels"]:
        named = {c["name"] for c in channels}
        for name in existing:
            if name not in named:
                commands.append(
                    {
                        "channelName": name,
                        "commandType": "remove_channel",
                        "expectedServerId": server_id,
                    }
                )
    return commands
