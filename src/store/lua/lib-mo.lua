-- lib-mo: shared by mo-part and mo-expire (prepended at load time). Moves a reassembly's parts, in part
-- order, with the message's fields, to the inbox stream as one entry, and deletes the parts hash.
-- Returns the inbox entry id and the part digests (name, value pairs) that were stored.
local function move_to_inbox(parts_key, inbox_key, incomplete)
  local all = redis.call("HGETALL", parts_key)
  local parts, numbers, fields, digests = {}, {}, {}, {}
  for i = 1, #all, 2 do
    local kind, name, value = string.sub(all[i], 1, 2), string.sub(all[i], 3), all[i + 1]
    if kind == "p:" then
      parts[tonumber(name)] = value
      numbers[#numbers + 1] = tonumber(name)
    elseif kind == "d:" then
      digests[#digests + 1] = name
      digests[#digests + 1] = value
    elseif kind == "m:" then
      fields[#fields + 1] = name
      fields[#fields + 1] = value
    end
  end
  table.sort(numbers)
  local ordered = {}
  for _, n in ipairs(numbers) do ordered[#ordered + 1] = parts[n] end
  fields[#fields + 1] = "incomplete"
  fields[#fields + 1] = incomplete and "1" or "0"
  fields[#fields + 1] = "parts"
  fields[#fields + 1] = "[" .. table.concat(ordered, ",") .. "]"
  local id = redis.call("XADD", inbox_key, "*", unpack(fields))
  redis.call("DEL", parts_key)
  return id, digests
end
