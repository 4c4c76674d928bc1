-- wrk script for bench_load.py's memory run: rotates through a list of requests.
--
-- Arguments: PATHS_FILE ("GET /path" or "POST /path" lines; a POST is a check-in with a new
-- badge code and nonce), CODES_FILE (ticket codes), TOKEN (door link), RUN_TAG. Every answer
-- should be 200; others are counted. Prints one JSON line (WRK_JSON).

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function init(args)
  requests_list = {}
  for line in io.lines(args[1]) do
    local method, path = line:match("^(%u+) (.+)$")
    table.insert(requests_list, { method = method, path = path })
  end
  codes = {}
  for line in io.lines(args[2]) do
    table.insert(codes, line)
  end
  token = args[3]
  run_tag = args[4]
  counter = 0
  posts = 0
  bad = 0
end

function request()
  counter = counter + 1
  local r = requests_list[(counter % #requests_list) + 1]
  local headers = { ["Accept"] = "application/json", ["X-Door-Token"] = token }
  if r.method == "POST" then
    posts = posts + 1
    headers["Content-Type"] = "application/json"
    local code = codes[((id - 1) * 997 + posts) % #codes + 1]
    local body = string.format('{"code": "%s", "nonce": "%s-%d-%d"}', code, run_tag, id, posts)
    return wrk.format("POST", r.path, headers, body)
  end
  return wrk.format("GET", r.path, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

done = report("bad")
