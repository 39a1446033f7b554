-- wrk script of scripts/bench-peers: POSTs one GraphQL document with fresh random variables per
-- request, to lifecircle or to PostGraphile, from the same draws.
--   QUERY=q1..q5          which document (GRAPHQL_DIR/<q>.graphql); QUERY=mix: each request
--                         picks one of MIX (default "q1 q2 q3 q4 q5") at random (the soak load)
--   TARGET=lc|pg          lc: community ids as lifecircle global IDs; pg: raw bigint ids
--   GRAPHQL_DIR           folder of the documents (graphql-lc or graphql-pg)
--   VARS                  the Lua table file the run script writes (community ids, categories, area)
--   TOKEN                 optional bearer token (Authorization header)
--   METHOD=GET            send GET <path>?query=...&variables=... instead of a POST body (for
--                         lifecircle's /open/graphql and its response cache); FIXED=1 repeats the
--                         first draw of each thread (identical requests: cache hits)
-- Per-thread seeds are fixed (1000 + thread number), so both servers get the same sequence of
-- variables per thread. Distributions match pgbench/*.sql.in.
-- Any non-200 or a body with "errors" is a GraphQL error; 429s are also counted on their own.
local query_name = os.getenv("QUERY") or "q1"
local target = os.getenv("TARGET") or "lc"
local dir = assert(os.getenv("GRAPHQL_DIR"), "GRAPHQL_DIR")
local V = dofile(assert(os.getenv("VARS"), "VARS"))
local token = os.getenv("TOKEN")

local function read_doc(q)
  local f = assert(io.open(dir .. "/" .. q .. ".graphql", "r"))
  local d = f:read("*a"); f:close()
  return d
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == "\n" then return "\\n" elseif c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local ncomm, ncat = #V.community_ids, #V.categories
local function community()
  local k = math.random(ncomm)
  if target == "lc" then return '"' .. V.community_gids[k] .. '"' end
  return '"' .. V.community_ids[k] .. '"'   -- BigInt is a string in PostGraphile
end
local function point()
  return math.random(V.lat_lo, V.lat_hi) / 1e6, math.random(V.lng_lo, V.lng_hi) / 1e6
end

local vars = {
  q1 = function()
    local cat = V.categories[math.random(ncat)]
    return string.format('{"category":"%s","communityId":%s}', cat, community())
  end,
  q2 = function()
    local la, ln = point()
    return string.format('{"minLat":%.7f,"minLng":%.7f,"maxLat":%.7f,"maxLng":%.7f}',
      la - 0.0045, ln - 0.0056, la + 0.0045, ln + 0.0056)
  end,
  q3 = function()
    local c = community()
    local t = os.time({ year = 2025, month = 1, day = 1 + math.random(0, 300), hour = 12 })
    return string.format('{"communityId":%s,"from":"%sT00:00:00+08:00"}', c, os.date("%Y-%m-%d", t))
  end,
  q4 = function()
    local la, ln = point()
    return string.format('{"lat":%.6f,"lng":%.6f,"radius":1200}', la, ln)
  end,
  q5 = function()
    local la, ln = point()
    return string.format('{"lat":%.6f,"lng":%.6f}', la, ln)
  end,
}
local names = {}
if query_name == "mix" then
  for q in (os.getenv("MIX") or "q1 q2 q3 q4 q5"):gmatch("%S+") do table.insert(names, q) end
else
  names = { query_name }
end
local docs, prefixes = {}, {}
for _, q in ipairs(names) do
  assert(vars[q], "unknown QUERY " .. q)
  docs[q] = read_doc(q)
  prefixes[q] = '{"query":' .. json_string(docs[q]) .. ',"variables":'
end
local function pick()
  if #names == 1 then return names[1] end
  return names[math.random(#names)]
end
local fixed_vars
local function make_vars(q)
  if fixed_vars then return fixed_vars end
  return vars[q]()
end
local method = os.getenv("METHOD") or "POST"
local fixed = os.getenv("FIXED") == "1"
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(1000 + id)
  gql_errors, status_429, non200 = 0, 0, 0
  wrk.method = method
  if method == "POST" then wrk.headers["Content-Type"] = "application/json" end
  if fixed then fixed_vars = vars[names[1]]() end
  if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
end

function request()
  local q = pick()
  if method == "GET" then
    return wrk.format("GET", wrk.path .. "?query=" .. urlencode(docs[q]) .. "&variables=" .. urlencode(make_vars(q)))
  end
  return wrk.format(nil, nil, nil, prefixes[q] .. make_vars(q) .. "}")
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  if status == 429 then status_429 = status_429 + 1 end
  if status ~= 200 or body:find('"errors"', 1, true) then gql_errors = gql_errors + 1 end
end

function done(summary, latency, requests)
  local errs, n429, bad = 0, 0, 0
  for _, t in ipairs(threads) do
    errs = errs + t:get("gql_errors"); n429 = n429 + t:get("status_429"); bad = bad + t:get("non200")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT tool=wrk query=%s requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f graphql_errors=%d non200=%d http429=%d socket_errors=%d\n",
    query_name, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, errs, bad, n429,
    e.connect + e.read + e.write + e.timeout))
end
