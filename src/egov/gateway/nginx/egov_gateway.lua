-- The gateway's data plane inside nginx (docs/gateway.md, "The data plane in nginx").
--
-- The same decisions as egov.gateway.proxy, on every call: the bearer token (a JWT of
-- egov.gateway.tokens, HMAC-SHA256), the member, the grant and its expiry, the quota; then
-- nginx forwards and streams. What the directory says comes from the configuration egov renders
-- (manage.py gateway_nginx): nginx maps for members and grants, one location per service. The
-- transaction log's fields (client, error code, SHA-256 of both bodies) are left in variables
-- for the access log, which egov appends to its hash chain (manage.py ingest_gateway_log).

local ffi = require "ffi"
local cjson = require "cjson.safe"
local b64 = require "ngx.base64"

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md, unsigned int *md_len);
typedef struct { unsigned int h[8]; unsigned int Nl, Nh; unsigned int data[16];
                 unsigned int num, md_len; } SHA256_CTX;
int SHA256_Init(SHA256_CTX *c);
int SHA256_Update(SHA256_CTX *c, const void *data, size_t len);
int SHA256_Final(unsigned char *md, SHA256_CTX *c);
unsigned char *ngx_hex_dump(unsigned char *dst, const unsigned char *src, size_t len);
]]

local C = ffi.C
local EVP_SHA256 = C.EVP_sha256()
local digest_out = ffi.new("unsigned char[32]")
local digest_len = ffi.new("unsigned int[1]")
local hex_out = ffi.new("unsigned char[64]")
local one_shot = ffi.new("SHA256_CTX")
local CHUNK = 65536

-- RFC 9110 §7.6.1, as egov.gateway.proxy.HOP_BY_HOP (these also have proxy_set_header "").
local HOP_BY_HOP = {
    ["connection"] = true, ["keep-alive"] = true, ["proxy-authenticate"] = true,
    ["proxy-authorization"] = true, ["proxy-connection"] = true, ["te"] = true,
    ["trailer"] = true, ["trailers"] = true, ["transfer-encoding"] = true, ["upgrade"] = true,
}

local _M = {}
local config = { issuer = "", refusals = {} }

-- Correlation ids: a random prefix per worker and a counter (nginx's $request_id draws 16
-- random bytes from OpenSSL's generator on every call: 6 % of a worker's time, measured).
-- They must be unique, not unpredictable.
local id_prefix, id_count = nil, 0

local function new_prefix()
    local random = assert(io.open("/dev/urandom", "rb"))
    local bytes = random:read(12)
    random:close()
    return (bytes:gsub(".", function(c) return string.format("%02x", string.byte(c)) end))
end

local function correlation_id()
    local given = ngx.var.gw_given_correlation_id
    if given ~= "" then return given end
    if not id_prefix or id_count >= 0xffffffff then id_prefix, id_count = new_prefix(), 0 end
    id_count = id_count + 1
    return id_prefix .. bit.tohex(id_count, 8)
end

-- Tokens whose signature this worker checked: token -> {member, expiry}. A client uses one
-- token for its whole lifetime, so its HMAC is computed once, its expiry checked on every call.
local verified, verified_count, VERIFIED_MAX = {}, 0, 10000

function _M.configure(json)
    config = assert(cjson.decode(json), "egov gateway: bad configuration")
end

-- The SHA-256 just computed into digest_out, in hex (nginx's own ngx_hex_dump).
local function digest_hex()
    C.ngx_hex_dump(hex_out, digest_out, 32)
    return ffi.string(hex_out, 64)
end

local function hmac_sha256(key, data)
    C.HMAC(EVP_SHA256, key, #key, data, #data, digest_out, digest_len)
    return ffi.string(digest_out, 32)
end

-- Equal strings in a time that does not depend on where they differ.
local function same(a, b)
    if #a ~= #b then return false end
    local diff = 0
    for i = 1, #a do diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i))) end
    return diff == 0
end

local function member_of(token, now)
    local known = verified[token]
    if known then
        if known[2] <= now then return nil, "token_expired" end
        return known[1]
    end
    local key = os.getenv("GATEWAY_TOKEN_KEY") or ""
    local dot = token:find(".", 1, true)
    local last = dot and token:find(".", dot + 1, true)
    if key == "" or not last or token:find(".", last + 1, true) then return nil, "invalid_token" end
    local header = cjson.decode(b64.decode_base64url(token:sub(1, dot - 1)) or "")
    if type(header) ~= "table" or header.alg ~= "HS256" then return nil, "invalid_token" end
    local signature = b64.decode_base64url(token:sub(last + 1)) or ""
    if not same(hmac_sha256(key, token:sub(1, last - 1)), signature) then
        return nil, "invalid_token"
    end
    local claims = cjson.decode(b64.decode_base64url(token:sub(dot + 1, last - 1)) or "")
    if type(claims) ~= "table" or claims.iss ~= config.issuer or type(claims.sub) ~= "string" then
        return nil, "invalid_token"
    end
    if type(claims.exp) ~= "number" or claims.exp ~= math.floor(claims.exp) then
        return nil, "token_expired" -- as the proxy: no integer expiry, no valid lifetime
    end
    if claims.exp <= now then return nil, "token_expired" end
    if verified_count >= VERIFIED_MAX then verified, verified_count = {}, 0 end
    verified[token], verified_count = { claims.sub, claims.exp }, verified_count + 1
    return claims.sub
end

-- The kernel's error shape with the call's correlation id; ends the request.
function _M.refuse(code, headers)
    local refusal = config.refusals[code]
    ngx.var.gw_error = code
    ngx.status = refusal[1]
    ngx.header["Content-Type"] = "application/json; charset=utf-8"
    for name, value in pairs(headers or {}) do ngx.header[name] = value end
    local body = cjson.encode({
        code = code, message = refusal[2], errors = {},
        correlation_id = ngx.var.gw_correlation_id,
    })
    ngx.header["Content-Length"] = #body
    ngx.print(body)
    return ngx.exit(refusal[1])
end

local function within_quota(client, service, quota)
    local now = ngx.time()
    local key = client .. " " .. service .. " " .. math.floor(now / 60)
    local calls = ngx.shared.egov_gateway_quota:incr(key, 1, 0, 61)
    return calls == nil or calls <= quota, tostring(60 - now % 60)
end

local function sha256(data)
    -- OpenSSL's low-level calls on one context: its one-shot SHA256() and the EVP calls look
    -- the algorithm up by name on every call (3 % of a worker's time, measured).
    C.SHA256_Init(one_shot)
    C.SHA256_Update(one_shot, data, #data)
    C.SHA256_Final(digest_out, one_shot)
    return digest_hex()
end

local function sha256_of_request()
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if data then return sha256(data) end
    local ctx = ffi.new("SHA256_CTX")
    C.SHA256_Init(ctx)
    local path = ngx.req.get_body_file()
    if path then -- a large body nginx kept in a file: read it back in chunks
        local file = assert(io.open(path, "rb"))
        while true do
            local chunk = file:read(CHUNK)
            if not chunk then break end
            C.SHA256_Update(ctx, chunk, #chunk)
        end
        file:close()
    end
    C.SHA256_Final(digest_out, ctx)
    return digest_hex()
end

-- access_by_lua: authenticate, authorise, count; then say where the call goes. The location
-- passes what the directory says of its service as arguments (fixed per location: nothing to
-- look up per call).
function _M.access(service, quota, base_path, secret_env)
    ngx.var.gw_correlation_id = correlation_id()
    local authorization = ngx.var.http_authorization or ""
    if authorization:sub(1, 7) ~= "Bearer " then
        return _M.refuse("unauthenticated", { ["WWW-Authenticate"] = 'Bearer realm="egov-gateway"' })
    end
    local token = authorization:sub(8)
    if token:find("%s") then token = token:match("^%s*(.-)%s*$") end
    local client, problem = member_of(token, ngx.time())
    if not client then
        return _M.refuse(problem, { ["WWW-Authenticate"] = 'Bearer error="invalid_token"' })
    end
    ngx.var.gw_client = client
    local prefix = config.prefix .. service
    local raw = ngx.var.request_uri
    local rest = raw:sub(#prefix + 1)
    -- The raw path must name the service the (normalised) location matched, nothing else.
    if service == "" or raw:sub(1, #prefix) ~= prefix or not rest:find("^[/?]") and rest ~= "" then
        return _M.refuse("unknown_service")
    end
    ngx.var.gw_logged_service = service -- logged once the caller is known, as the proxy does
    -- Only active members' grants are in the map: a miss is either.
    local expires = ngx.var.gw_grant_expires
    if expires == "" then
        return _M.refuse(ngx.var.gw_member_active == "1" and "no_grant" or "unknown_client")
    end
    if expires ~= "0" and tonumber(expires) <= ngx.now() then return _M.refuse("grant_expired") end
    if quota > 0 then
        local ok, retry_after = within_quota(client, service, quota)
        if not ok then return _M.refuse("quota_exceeded", { ["Retry-After"] = retry_after }) end
    end
    -- Headers the Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
    local connection = ngx.var.http_connection
    if connection then
        for name in connection:gmatch("[^,%s]+") do
            if not HOP_BY_HOP[name:lower()] then ngx.req.clear_header(name) end
        end
    end
    if secret_env ~= "" then
        ngx.var.gw_upstream_authorization = "Bearer " .. (os.getenv(secret_env) or "")
    end
    -- The path as the caller encoded it, after the service's base path (as the proxy does).
    local path, query = rest:match("^([^?]*)(.*)$")
    local uri = base_path .. ((path == "/" or path == "") and "" or path)
    ngx.var.gw_upstream_uri = (uri == "" and "/" or uri) .. query
    ngx.var.gw_request_sha256 = sha256_of_request()
end

-- error_page of an upstream that could not be reached (502) or did not answer in time (504).
function _M.upstream_failed(code)
    ngx.log(ngx.WARN, "gateway upstream failed: ", code, " service=", ngx.var.gw_logged_service)
    return _M.refuse(code)
end

-- header_filter_by_lua: drop what the upstream's Connection header names.
function _M.header_filter()
    for name in (ngx.var.upstream_http_connection or ""):gmatch("[^,%s]+") do
        if not HOP_BY_HOP[name:lower()] then ngx.header[name] = nil end
    end
end

-- body_filter_by_lua: the SHA-256 of the answer as nginx passes it on. An answer that comes in
-- one piece (the usual: its Content-Length is that piece's length) is hashed at once; a longer
-- one chunk by chunk, its digest kept in the request's context.
function _M.body_filter()
    local chunk, last = ngx.arg[1], ngx.arg[2]
    local ctx = ngx.var.gw_response_streamed == "1" and ngx.ctx.digest
    if not ctx then
        if ngx.var.gw_response_sha256 ~= "" then return end -- hashed whole already
        if last or tonumber(ngx.var.sent_http_content_length) == #chunk then
            ngx.var.gw_response_sha256 = sha256(chunk)
            return
        end
        ctx = ffi.new("SHA256_CTX")
        C.SHA256_Init(ctx)
        ngx.ctx.digest = ctx
        ngx.var.gw_response_streamed = "1"
    end
    if chunk ~= "" then C.SHA256_Update(ctx, chunk, #chunk) end
    if last then
        C.SHA256_Final(digest_out, ctx)
        ngx.var.gw_response_sha256 = digest_hex()
    end
end

return _M
