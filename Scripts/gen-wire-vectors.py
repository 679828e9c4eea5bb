#!/usr/bin/env python3
"""Golden vectors for MeshtasticWire, made with the official Meshtastic protobuf classes.

Pinned: meshtastic==2.7.11 (PyPI). Each vector holds
  hex            bytes to decode (some deliberately non-canonical, or with unknown fields)
  canonical_hex  what the official library writes back after parsing `hex`; our encoder
                 must produce exactly these bytes
  fields         the official parse as a dict (JSON names, enums as integers); our decoder
                 must agree on every field, and hold the default for every field absent here
  unknown_hex    (optional) the unknown fields we must keep verbatim at the top level

    python3 -m venv .venv-golden && .venv-golden/bin/pip install meshtastic==2.7.11
    .venv-golden/bin/python Scripts/gen-wire-vectors.py > Tests/MeshtasticWireTests/Fixtures/wire-vectors.json
"""
import json
import struct

import meshtastic
from google.protobuf.json_format import MessageToDict
from meshtastic.protobuf import admin_pb2, channel_pb2, config_pb2, mesh_pb2, module_config_pb2, portnums_pb2, telemetry_pb2, xmodem_pb2

PINNED = "2.7.11"
TYPES = {
    "ToRadio": mesh_pb2.ToRadio, "FromRadio": mesh_pb2.FromRadio, "MeshPacket": mesh_pb2.MeshPacket,
    "Routing": mesh_pb2.Routing, "AdminMessage": admin_pb2.AdminMessage, "User": mesh_pb2.User,
    "Position": mesh_pb2.Position, "RouteDiscovery": mesh_pb2.RouteDiscovery,
}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint(field << 3 | wt)


vectors = []


def add(name, msg_or_bytes, type_name=None, unknown=b"", note="", newer_than_schema=None):
    if isinstance(msg_or_bytes, (bytes, bytearray)):
        raw = bytes(msg_or_bytes)
    else:
        type_name = type_name or type(msg_or_bytes).__name__
        raw = msg_or_bytes.SerializeToString()
    raw += unknown
    cls = TYPES[type_name]
    parsed = cls()
    parsed.ParseFromString(raw)
    entry = {
        "name": name,
        "type": type_name,
        "hex": raw.hex(),
        "canonical_hex": parsed.SerializeToString().hex(),
        "fields": MessageToDict(parsed, use_integers_for_enums=True, preserving_proto_field_name=False),
    }
    if unknown and not newer_than_schema:
        entry["unknown_hex"] = unknown.hex()
    if newer_than_schema:
        # A field this schema lacks but lora-msg models (it follows firmware master).
        entry["newer_than_schema"] = newer_than_schema
    if note:
        entry["note"] = note
    vectors.append(entry)


def packet(**kw):
    p = mesh_pb2.MeshPacket(**kw)
    return p


envelope = bytes([0x01]) + bytes(range(8)) + bytes(range(100, 124)) + b"\xAB" * 20 + bytes(16)

# ---- ToRadio ---------------------------------------------------------------------------
add("toradio-want-config-69420", mesh_pb2.ToRadio(want_config_id=69420))
add("toradio-want-config-zero", mesh_pb2.ToRadio(want_config_id=0), note="oneof member at zero is still written: 18 00")
add("toradio-want-config-max", mesh_pb2.ToRadio(want_config_id=0xFFFFFFFF))
hb = mesh_pb2.ToRadio(); hb.heartbeat.SetInParent()
add("toradio-heartbeat-empty", hb, note="3a 00")
add("toradio-heartbeat-nonce", mesh_pb2.ToRadio(heartbeat=mesh_pb2.Heartbeat(nonce=7)))
add("toradio-disconnect", mesh_pb2.ToRadio(disconnect=True))
add("toradio-dm-private-app", mesh_pb2.ToRadio(packet=packet(
    to=0x1A2B3C4D, id=0x7FEDCBA9, hop_limit=3, want_ack=True, channel=0,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.PRIVATE_APP, payload=envelope))))
add("toradio-broadcast-text-hi", mesh_pb2.ToRadio(packet=packet(
    to=0xFFFFFFFF, id=0x12345678, hop_limit=3, want_ack=True,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.TEXT_MESSAGE_APP, payload=b"hi"))))
add("toradio-admin-get-owner", mesh_pb2.ToRadio(packet=packet(
    to=0x0A0B0C0D, id=99, want_ack=True, pki_encrypted=True,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.ADMIN_APP, want_response=True,
                          payload=admin_pb2.AdminMessage(get_owner_request=True).SerializeToString()))))
add("toradio-xmodem", mesh_pb2.ToRadio(xmodemPacket=xmodem_pb2.XModem(control=xmodem_pb2.XModem.SOH, seq=2, crc16=0xBEEF, buffer=b"\x00\x01\x02")))
add("toradio-mqtt-proxy", mesh_pb2.ToRadio(mqttClientProxyMessage=mesh_pb2.MqttClientProxyMessage(topic="msh/EU_868/2/e", data=b"\x08\x01", retained=True)))
add("toradio-empty", b"", "ToRadio", note="a zero-length frame is a valid, empty ToRadio")

# ---- AdminMessage payloads ------------------------------------------------------------
add("admin-get-config-device", admin_pb2.AdminMessage(get_config_request=admin_pb2.AdminMessage.DEVICE_CONFIG), note="28 00")
add("admin-get-config-lora", admin_pb2.AdminMessage(get_config_request=admin_pb2.AdminMessage.LORA_CONFIG))
add("admin-get-channel", admin_pb2.AdminMessage(get_channel_request=1))
lora = config_pb2.Config.LoRaConfig(use_preset=True, modem_preset=config_pb2.Config.LoRaConfig.LONG_FAST,
                                    region=config_pb2.Config.LoRaConfig.EU_868, hop_limit=3, tx_enabled=True)
add("admin-set-config-lora", admin_pb2.AdminMessage(set_config=config_pb2.Config(lora=lora)))
add("admin-get-config-response-with-passkey", admin_pb2.AdminMessage(
    get_config_response=config_pb2.Config(lora=lora), session_passkey=bytes(range(8))))
add("admin-set-owner-utf8", admin_pb2.AdminMessage(set_owner=mesh_pb2.User(long_name="Nadia — Tal", short_name="NÅ")))
add("admin-get-owner-response", admin_pb2.AdminMessage(get_owner_response=mesh_pb2.User(
    id="!1a2b3c4d", long_name="Eitan", short_name="EI", hw_model=mesh_pb2.HardwareModel.T_ECHO)))
add("admin-metadata-request", admin_pb2.AdminMessage(get_device_metadata_request=True))
add("admin-reboot", admin_pb2.AdminMessage(reboot_seconds=5))
add("admin-begin-edit", admin_pb2.AdminMessage(begin_edit_settings=True))
add("admin-set-time", admin_pb2.AdminMessage(set_time_only=1_790_000_000))

# ---- FromRadio: the handshake ---------------------------------------------------------
add("fromradio-my-info", mesh_pb2.FromRadio(my_info=mesh_pb2.MyNodeInfo(
    my_node_num=0x12345678, reboot_count=17, min_app_version=30200, device_id=bytes(range(16)),
    pio_env="heltec-v3", firmware_edition=mesh_pb2.FirmwareEdition.VANILLA, nodedb_count=251)))
own = mesh_pb2.NodeInfo(num=0x12345678, user=mesh_pb2.User(
    id="!12345678", long_name="Ørjan's Höhle 🏔", short_name="ØH🏔", hw_model=mesh_pb2.HardwareModel.HELTEC_V3,
    role=config_pb2.Config.DeviceConfig.CLIENT, public_key=bytes(range(32)), is_unmessagable=False),
    position=mesh_pb2.Position(latitude_i=471234567, longitude_i=-1234567, altitude=512, time=1_790_000_000,
                               location_source=mesh_pb2.Position.LOC_MANUAL),
    device_metrics=telemetry_pb2.DeviceMetrics(battery_level=101, voltage=4.2, channel_utilization=3.5,
                                          air_util_tx=0.25, uptime_seconds=3600),
    is_favorite=True, last_heard=1_790_000_100)
add("fromradio-own-node-utf8", mesh_pb2.FromRadio(node_info=own))
add("fromradio-other-node-hops-zero", mesh_pb2.FromRadio(node_info=mesh_pb2.NodeInfo(
    num=0xCAFEF00D, user=mesh_pb2.User(id="!cafef00d", long_name="Ridge relay", short_name="RDG",
                                        role=config_pb2.Config.DeviceConfig.ROUTER),
    snr=-12.5, hops_away=0, channel=1, via_mqtt=False, is_ignored=True, is_muted=True, is_key_manually_verified=True)),
    note="optional hops_away present at zero")
add("fromradio-metadata", mesh_pb2.FromRadio(metadata=mesh_pb2.DeviceMetadata(
    firmware_version="2.7.15.567b8ea", device_state_version=24, canShutdown=True, hasWifi=True, hasBluetooth=True,
    role=config_pb2.Config.DeviceConfig.CLIENT, position_flags=811, hw_model=mesh_pb2.HardwareModel.HELTEC_V3,
    hasPKC=True, excluded_modules=0x1 | 0x800)))
add("fromradio-channel-primary", mesh_pb2.FromRadio(channel=channel_pb2.Channel(
    index=0, role=channel_pb2.Channel.PRIMARY, settings=channel_pb2.ChannelSettings(psk=b"\x01"))))
add("fromradio-channel-disabled-3", mesh_pb2.FromRadio(channel=channel_pb2.Channel(index=3)), note="52 02 08 03")
add("fromradio-channel-secondary", mesh_pb2.FromRadio(channel=channel_pb2.Channel(
    index=1, role=channel_pb2.Channel.SECONDARY, settings=channel_pb2.ChannelSettings(
        psk=bytes(range(32)), name="valley", id=0xA1B2C3D4, uplink_enabled=True, downlink_enabled=True,
        module_settings=channel_pb2.ModuleSettings(position_precision=0, is_muted=True)))))
add("fromradio-config-device", mesh_pb2.FromRadio(config=config_pb2.Config(device=config_pb2.Config.DeviceConfig(
    role=config_pb2.Config.DeviceConfig.CLIENT_MUTE, serial_enabled=True, rebroadcast_mode=3,
    node_info_broadcast_secs=10800, tzdef="CET-1CEST,M3.5.0,M10.5.0/3", led_heartbeat_disabled=True, buzzer_mode=2,
    button_gpio=0, double_tap_as_button_press=True))))
add("fromradio-config-lora-eu868", mesh_pb2.FromRadio(config=config_pb2.Config(lora=config_pb2.Config.LoRaConfig(
    use_preset=True, modem_preset=config_pb2.Config.LoRaConfig.LONG_FAST, region=config_pb2.Config.LoRaConfig.EU_868,
    hop_limit=3, tx_enabled=True, tx_power=27, sx126x_rx_boosted_gain=True, ignore_incoming=[0x11111111, 7, 0xFFFFFFFE],
    config_ok_to_mqtt=True))))
add("fromradio-config-lora-custom", mesh_pb2.FromRadio(config=config_pb2.Config(lora=config_pb2.Config.LoRaConfig(
    use_preset=False, bandwidth=125, spread_factor=12, coding_rate=8, frequency_offset=-0.0125,
    region=config_pb2.Config.LoRaConfig.US, hop_limit=7, tx_enabled=True, tx_power=-3, channel_num=20,
    override_duty_cycle=True, override_frequency=906.875, pa_fan_disabled=True, ignore_mqtt=True, fem_lna_mode=2))),
    note="negative tx_power is a 10-byte varint")
add("fromradio-config-security", mesh_pb2.FromRadio(config=config_pb2.Config(security=config_pb2.Config.SecurityConfig(
    public_key=bytes(range(32)), admin_key=[bytes(32), b"\xff" * 32], serial_enabled=True, debug_log_api_enabled=True,
    admin_channel_enabled=True))))
sk = config_pb2.Config(); sk.sessionkey.SetInParent()
add("fromradio-config-sessionkey-empty", mesh_pb2.FromRadio(config=sk), note="2a 02 4a 00")
du = config_pb2.Config(); du.device_ui.SetInParent()
add("fromradio-config-device-ui-empty", mesh_pb2.FromRadio(config=du), note="2a 02 52 00")
add("fromradio-config-position-opaque", mesh_pb2.FromRadio(config=config_pb2.Config(position=config_pb2.Config.PositionConfig(
    position_broadcast_secs=900, gps_update_interval=120, fixed_position=True))))
add("fromradio-config-power-opaque", mesh_pb2.FromRadio(config=config_pb2.Config(power=config_pb2.Config.PowerConfig(ls_secs=300))))
mc = mesh_pb2.FromRadio(); mc.moduleConfig.SetInParent()
add("fromradio-moduleconfig-empty", mc, note="4a 00")
add("fromradio-moduleconfig-mqtt", mesh_pb2.FromRadio(moduleConfig=module_config_pb2.ModuleConfig(
    mqtt=module_config_pb2.ModuleConfig.MQTTConfig(enabled=True, address="mqtt.example", proxy_to_client_enabled=True))))
ui = mesh_pb2.FromRadio(); ui.deviceuiConfig.SetInParent()
add("fromradio-deviceui-empty", ui, note="8a 01 00")
add("fromradio-file-info", mesh_pb2.FromRadio(fileInfo=mesh_pb2.FileInfo(file_name="/prefs/config.proto", size_bytes=1234)))
add("fromradio-config-complete-zero", mesh_pb2.FromRadio(config_complete_id=0), note="38 00")
add("fromradio-config-complete-69420", mesh_pb2.FromRadio(config_complete_id=69420))
add("fromradio-rebooted", mesh_pb2.FromRadio(rebooted=True), note="40 01")
add("fromradio-empty", b"", "FromRadio")

# ---- FromRadio: traffic ----------------------------------------------------------------
add("fromradio-queue-status-ok", mesh_pb2.FromRadio(queueStatus=mesh_pb2.QueueStatus(res=0, free=15, maxlen=16, mesh_packet_id=0x12345678)))
add("fromradio-queue-status-duty-cycle", mesh_pb2.FromRadio(queueStatus=mesh_pb2.QueueStatus(res=9, free=16, maxlen=16, mesh_packet_id=42)))
add("fromradio-queue-status-negative-res", mesh_pb2.FromRadio(queueStatus=mesh_pb2.QueueStatus(res=-1, free=0, maxlen=16)))
add("fromradio-rx-private-app-max-payload", mesh_pb2.FromRadio(packet=packet(
    **{"from": 0xCAFEF00D}, to=0x12345678, channel=0, id=0x0BADBEEF, rx_time=1_790_000_200, rx_snr=-7.25, rx_rssi=-90,
    hop_limit=1, hop_start=3, want_ack=True, relay_node=0x0D, next_hop=0, transport_mechanism=1,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.PRIVATE_APP, payload=bytes((i * 7) & 0xFF for i in range(233)), bitfield=1))),
    note="233-byte payload (DATA_PAYLOAD_LEN), rx_rssi -90 as a 10-byte varint")
ack = mesh_pb2.Routing(error_reason=mesh_pb2.Routing.NONE).SerializeToString()
add("fromradio-routing-ack", mesh_pb2.FromRadio(packet=packet(
    **{"from": 0x1A2B3C4D}, to=0x12345678, id=0x55555555, rx_time=1_790_000_300, rx_snr=6.0, rx_rssi=-40, hop_limit=3, hop_start=3,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.ROUTING_APP, payload=ack, request_id=0x7FEDCBA9, bitfield=0))),
    note="Routing{error_reason: NONE} payload is 18 00; optional bitfield present at zero")
add("routing-ack", mesh_pb2.Routing(error_reason=mesh_pb2.Routing.NONE), note="18 00")
add("routing-nak-max-retransmit", mesh_pb2.Routing(error_reason=mesh_pb2.Routing.MAX_RETRANSMIT), note="18 05")
add("routing-nak-duty-cycle", mesh_pb2.Routing(error_reason=mesh_pb2.Routing.DUTY_CYCLE_LIMIT))
add("routing-route-reply", mesh_pb2.Routing(route_reply=mesh_pb2.RouteDiscovery(
    route=[0x11111111, 0x22222222], snr_towards=[24, -40, -1], route_back=[0x33333333], snr_back=[-80])),
    note="packed fixed32 and packed negative int32")
add("fromradio-encrypted-undecoded", mesh_pb2.FromRadio(packet=packet(
    **{"from": 0xDEADBEEF}, to=0xFFFFFFFF, channel=0x8B, id=0x01020304, encrypted=bytes(range(256)), hop_limit=2, hop_start=3,
    rx_rssi=-120, rx_snr=-19.75)), note="channel is the hash for undecoded packets; 256-byte encrypted field")
add("fromradio-log-record", mesh_pb2.FromRadio(log_record=mesh_pb2.LogRecord(
    message="Lora RX (id=0x0badbeef fr=0xcafef00d to=0x12345678)", time=1_790_000_000, source="RadioIf",
    level=mesh_pb2.LogRecord.DEBUG)))
add("fromradio-client-notification-duty-cycle", mesh_pb2.FromRadio(clientNotification=mesh_pb2.ClientNotification(
    reply_id=42, time=1_790_000_000, level=mesh_pb2.LogRecord.WARNING,
    message="Duty cycle limit exceeded. You can send again in 12 mins")))
add("fromradio-client-notification-reply-zero", mesh_pb2.FromRadio(clientNotification=mesh_pb2.ClientNotification(
    reply_id=0, level=mesh_pb2.LogRecord.ERROR, message="x")), note="optional reply_id present at zero")
add("fromradio-client-notification-low-entropy", mesh_pb2.FromRadio(clientNotification=mesh_pb2.ClientNotification(
    message="weak key", low_entropy_key=mesh_pb2.LowEntropyKey())))
add("fromradio-text-reply-emoji", mesh_pb2.FromRadio(packet=packet(
    **{"from": 0x1A2B3C4D}, to=0xFFFFFFFF, id=77, rx_time=5, hop_limit=3, hop_start=3, priority=64, via_mqtt=True,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.TEXT_MESSAGE_APP, payload="👍".encode(), reply_id=76, emoji=1,
                          dest=0x12345678, source=0x1A2B3C4D))))
add("fromradio-nodeinfo-pki-packet", mesh_pb2.FromRadio(packet=packet(
    **{"from": 0x1A2B3C4D}, to=0x12345678, id=78, pki_encrypted=True, public_key=b"\x42" * 32, next_hop=0x4D,
    delayed=1, tx_after=3, priority=120,
    decoded=mesh_pb2.Data(portnum=portnums_pb2.NODEINFO_APP,
                          payload=mesh_pb2.User(id="!1a2b3c4d", long_name="Eitan").SerializeToString(),
                          want_response=True))))
add("position-southern-negative-altitudes", mesh_pb2.Position(
    latitude_i=-338688000, longitude_i=1512093000, altitude=-20, time=1_790_000_000, location_source=2, altitude_source=4,
    timestamp=1_790_000_001, timestamp_millis_adjust=-250, altitude_hae=-31, altitude_geoidal_separation=-11,
    PDOP=150, HDOP=90, VDOP=120, gps_accuracy=2500, ground_speed=0, ground_track=27000, fix_quality=1, fix_type=3,
    sats_in_view=9, sensor_id=2, next_update=900, seq_number=12, precision_bits=32),
    note="sfixed32 negatives, sint32 zigzag, optional ground_speed present at zero")
add("user-unknown-enums", mesh_pb2.User(id="!00000001", hw_model=999, role=77), note="enum values unknown to this schema")
add("fromradio-config-lora-unknown-enums", mesh_pb2.FromRadio(config=config_pb2.Config(lora=config_pb2.Config.LoRaConfig(
    region=99, modem_preset=40))), note="region/preset from a future firmware")
add("toradio-packet-unknown-portnum", mesh_pb2.ToRadio(packet=packet(to=1, id=5, decoded=mesh_pb2.Data(portnum=300, payload=b"x"))))

# ---- Unknown fields from a newer schema -------------------------------------------------
unknown_top = key(25, 0) + varint(3) + key(200, 2) + varint(4) + b"\x01\x02\x03\x04"
add("fromradio-unknown-variant-from-future", b"", "FromRadio", unknown=unknown_top,
    note="a FromRadio variant this schema does not know: no variant, bytes kept")
future_fields = key(40, 2) + varint(3) + b"abc" + key(41, 5) + struct.pack("<I", 0xDEADBEEF) + key(42, 1) + struct.pack("<Q", 2**63 + 5) + key(43, 0) + varint(1)
rx = packet(**{"from": 0x1A2B3C4D}, to=0x12345678, id=91, hop_limit=2, hop_start=3,
            decoded=mesh_pb2.Data(portnum=portnums_pb2.PRIVATE_APP, payload=envelope))
add("meshpacket-unknown-fields-all-wire-types", rx.SerializeToString(), "MeshPacket", unknown=future_fields,
    note="invented fields of every wire type")
add("meshpacket-xeddsa-signed-master", rx.SerializeToString(), "MeshPacket", unknown=key(22, 0) + varint(1),
    note="firmware 2.8's xeddsa_signed (22): the 2.7.11 schema treats it as unknown", newer_than_schema="xeddsaSigned")
add("fromradio-region-presets-master", b"", "FromRadio",
    unknown=key(19, 2) + varint(4) + key(1, 2) + varint(2) + b"\x08\x00",
    note="region_presets (19) exists only in firmware master; the 2.7.11 schema treats it as unknown",
    newer_than_schema="regionPresets")

# ---- Non-canonical but valid encodings ---------------------------------------------------
unpacked = key(1, 5) + struct.pack("<I", 0x11111111) + key(1, 5) + struct.pack("<I", 0x22222222) + key(2, 0) + varint((1 << 64) - 5)
add("route-discovery-unpacked", unpacked, "RouteDiscovery", note="repeated scalars sent unpacked must be accepted; re-encoding packs them")
reordered = mesh_pb2.Data(portnum=portnums_pb2.TEXT_MESSAGE_APP, payload=b"x")
mp = key(6, 5) + struct.pack("<I", 9) + key(2, 5) + struct.pack("<I", 0xFFFFFFFF) + key(4, 2) + varint(len(reordered.SerializeToString())) + reordered.SerializeToString()
add("meshpacket-fields-out-of-order", mp, "MeshPacket", note="fields in any order decode; re-encoding sorts them")
mismatch = key(9, 2) + varint(2) + b"\x01\x02" + key(10, 0) + varint(1)
add("meshpacket-known-field-wrong-wire-type", mismatch, "MeshPacket",
    note="hop_limit (9) arriving length-delimited is treated as unknown, as upb does")


def main():
    assert meshtastic.__version__ if hasattr(meshtastic, "__version__") else True
    print(json.dumps({"generator": f"meshtastic {PINNED} protobuf classes", "vectors": vectors}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
