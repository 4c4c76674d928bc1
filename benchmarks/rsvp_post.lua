-- wrk script: every request is a new, valid RSVP.
--
-- Reads a pool of "<session cookie>\t<csrf token>" lines (fetched by bench_public.py, one GET
-- of the event page each) from POOL_FILE and cycles through it; each request gets a unique
-- e-mail address. A session's CSRF token stays valid for many posts, so a small pool will do.
-- Counts responses that are not the 302 to the check-inbox page, and prints one JSON line.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function init(args)
  path = args[1]
  local pool_file = args[2]
  run_tag = args[3]
  -- "&cqN=…" answering the event's questions (bench_public.question_answers), or "-" for none.
  answers = args[4] ~= "-" and args[4] or ""
  pool = {}
  for line in io.lines(pool_file) do
    local cookie, token = line:match("^([^\t]+)\t(.+)$")
    table.insert(pool, { cookie = cookie, token = token })
  end
  counter = 0
  bad = 0
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  counter = counter + 1
  local pair = pool[(counter % #pool) + 1]
  local body = "csrf_token=" .. urlencode(pair.token)
    .. "&first_name=Bench&last_name=Guest"
    .. "&email=" .. urlencode(string.format("bench-%s-%d-%d@example.org", run_tag, id, counter))
    .. "&institution=" .. urlencode("UCLA Orthopaedic Surgery")
    .. "&training_level=pgy2&badge_name=&pronouns=&dietary_notes=&accessibility_notes=&website="
    .. answers
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = pair.cookie,
  }, body)
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not location:find("/check%-inbox$") then
    bad = bad + 1
  end
end

done = report("not_redirect")
