-- wrk script: POST /api/v1/predict with the raw bytes of the photos listed one path a line in
-- $PHOTOS (read once, sent in turn). Counts the answers by model, and any answer that is not a
-- 200 naming a model, so the hot-swap phase can report failed or malformed responses.
local token = os.getenv("TOKEN")
local photos = {}
for path in io.lines(os.getenv("PHOTOS")) do
  local f = assert(io.open(path, "rb"))
  photos[#photos + 1] = f:read("*a")
  f:close()
end
local threads = {}
local next_photo = 0
models = ""   -- "version=count;" per thread, read back in done()
failed = 0
busy = 0      -- 503: the bounded queue was full (load shed by design, not a failure)
local seen = {}

function setup(thread) threads[#threads + 1] = thread end

function request()
  next_photo = next_photo % #photos + 1
  return wrk.format("POST", "/api/v1/predict",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "image/jpeg"}, photos[next_photo])
end

function response(status, headers, body)
  if status == 503 then
    busy = busy + 1
    return
  end
  local model = body and body:match('"model":%s*"?([%w%-]+)"?')
  if status ~= 200 or not model or not body:find('"top":%[{', 1, false) then
    failed = failed + 1
    return
  end
  seen[model] = (seen[model] or 0) + 1
  local parts = {}
  for k, v in pairs(seen) do parts[#parts + 1] = k .. "=" .. v end
  models = table.concat(parts, ";")
end

function done(summary, latency, requests)
  local total_failed, total_busy, by_model = 0, 0, {}
  for _, t in ipairs(threads) do
    total_failed = total_failed + t:get("failed")
    total_busy = total_busy + t:get("busy")
    for k, v in string.gmatch(t:get("models") or "", "([%w%-]+)=(%d+)") do
      by_model[k] = (by_model[k] or 0) + tonumber(v)
    end
  end
  local n = 0
  for _ in pairs(by_model) do n = n + 1 end
  io.write(string.format("PREDICT failed=%d models=%d busy=%d\n", total_failed, n, total_busy))
end
