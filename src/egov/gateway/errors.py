"""The gateway's refusals: a stable ``code`` for programs, a status, and a Vietnamese message
for people (docs/gateway.md lists them). The body has the kernel's shape, ``{code, message,
errors}``, with the call's ``correlation_id``."""

REFUSALS: dict[str, tuple[int, str]] = {
    "unauthenticated": (
        401,
        "Thiếu thông tin xác thực: gửi Authorization: Bearer <access token> lấy từ /api/v1/gateway/token.",
    ),
    "invalid_token": (401, "Access token không hợp lệ (sai chữ ký, sai định dạng hoặc nơi cấp)."),
    "token_expired": (401, "Access token đã hết hạn: lấy token mới."),
    "unknown_client": (403, "Hệ thống thành viên không tồn tại hoặc đã bị tạm dừng."),
    "unknown_service": (404, "Không có dịch vụ này trên nền tảng (hoặc dịch vụ đã ngừng)."),
    "no_grant": (403, "Hệ thống của bạn chưa được cấp quyền sử dụng dịch vụ này."),
    "grant_expired": (403, "Quyền sử dụng dịch vụ này đã hết hạn."),
    "quota_exceeded": (429, "Vượt hạn mức số lần gọi dịch vụ trong một phút: thử lại sau."),
    "upstream_unavailable": (502, "Hệ thống cung cấp dịch vụ không phản hồi (không kết nối được)."),
    "upstream_timeout": (504, "Hệ thống cung cấp dịch vụ trả lời quá thời gian cho phép."),
}
