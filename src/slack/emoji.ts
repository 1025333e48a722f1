/**
 * Slack emoji shortcodes → the names Rocket.Chat knows (its JoyPixels set, `emoji-toolkit`).
 *
 * - Skin tones: Slack writes a second code, `:wave::skin-tone-3:`; JoyPixels has one name with
 *   a suffix, `:wave_tone2:`. Slack's skin-tone-2…6 are the Fitzpatrick modifiers U+1F3FB…FF,
 *   JoyPixels' tone1…tone5. `:skin-tone-1:` (no modifier) and a lone skin tone are dropped.
 * - Names: Slack uses iamcal/emoji-data short names. Most match JoyPixels names or the aliases RC
 *   also registers (`:+1:`, `:thumbsup:`, `:white_check_mark:`, `:us:`). The table below holds the
 *   ones that differ, including the Rocket.Chat Slack importer's renames (docs/rocketchat.md
 *   §6). Slack's hyphenated person and flag names (`man-facepalming`, `female-technologist`,
 *   `flag-de`) follow JoyPixels' `man_facepalming`, `woman_technologist`, `flag_de` pattern.
 * Unknown names (custom emoji included) are left as they are.
 */
import { replaceEach } from "../text/replace.ts";
import { trimOf } from "../text/trim.ts";

/** Slack name → JoyPixels name, where they differ. */
const RENAMES: Readonly<Record<string, string>> = {
  // Rocket.Chat's Slack importer (SlackImporter.convertSlackMessageToRocketChat)
  simple_smile: "slight_smile",
  memo: "pencil",
  piggy: "pig",
  uk: "gb",
  // faces
  slightly_smiling_face: "slight_smile",
  slightly_frowning_face: "slight_frown",
  white_frowning_face: "frowning2",
  upside_down_face: "upside_down",
  money_mouth_face: "money_mouth",
  nerd_face: "nerd",
  thinking_face: "thinking",
  face_with_rolling_eyes: "rolling_eyes",
  hugging_face: "hugging",
  zipper_mouth_face: "zipper_mouth",
  face_with_thermometer: "thermometer_face",
  face_with_head_bandage: "head_bandage",
  robot_face: "robot",
  rolling_on_the_floor_laughing: "rofl",
  "star-struck": "star_struck",
  grinning_face_with_star_eyes: "star_struck",
  grinning_face_with_one_large_and_one_small_eye: "zany_face",
  face_with_finger_covering_closed_lips: "shushing_face",
  serious_face_with_symbols_covering_mouth: "face_with_symbols_over_mouth",
  face_with_symbols_on_mouth: "face_with_symbols_over_mouth",
  smiling_face_with_smiling_eyes_and_hand_covering_mouth: "face_with_hand_over_mouth",
  face_with_open_mouth_vomiting: "face_vomiting",
  shocked_face_with_exploding_head: "exploding_head",
  face_with_one_eyebrow_raised: "face_with_raised_eyebrow",
  face_with_cowboy_hat: "cowboy",
  clown_face: "clown",
  skull_and_crossbones: "skull_crossbones",
  // people and hands
  face_palm: "person_facepalming",
  shrug: "person_shrugging",
  sleuth_or_spy: "detective",
  man_in_business_suit_levitating: "levitate",
  speaking_head_in_silhouette: "speaking_head",
  weight_lifter: "person_lifting_weights",
  golfer: "person_golfing",
  mother_christmas: "mrs_claus",
  raised_hand_with_fingers_splayed: "hand_splayed",
  "spock-hand": "vulcan",
  the_horns: "metal",
  sign_of_the_horns: "metal",
  call_me_hand: "call_me",
  i_love_you_hand_sign: "love_you_gesture",
  crossed_fingers: "fingers_crossed",
  hand_with_index_and_middle_fingers_crossed: "fingers_crossed",
  "left-facing_fist": "left_facing_fist",
  "right-facing_fist": "right_facing_fist",
  reversed_hand_with_middle_finger_extended: "middle_finger",
  // objects
  lower_left_ballpoint_pen: "pen_ballpoint",
  lower_left_fountain_pen: "pen_fountain",
  lower_left_paintbrush: "paintbrush",
  lower_left_crayon: "crayon",
  spiral_note_pad: "notepad_spiral",
  spiral_calendar_pad: "calendar_spiral",
  card_index_dividers: "dividers",
  card_file_box: "card_box",
  rolled_up_newspaper: "newspaper2",
  linked_paperclips: "paperclips",
  old_key: "key2",
  hammer_and_pick: "hammer_pick",
  hammer_and_wrench: "tools",
  dagger_knife: "dagger",
  oil_drum: "oil",
  frame_with_picture: "frame_photo",
  desktop_computer: "desktop",
  three_button_mouse: "mouse_three_button",
  film_projector: "projector",
  studio_microphone: "microphone2",
  timer_clock: "timer",
  mantelpiece_clock: "clock",
  bellhop_bell: "bellhop",
  couch_and_lamp: "couch",
  admission_tickets: "tickets",
  first_place_medal: "first_place",
  second_place_medal: "second_place",
  third_place_medal: "third_place",
  sports_medal: "medal",
  drum_with_drumsticks: "drum",
  // JoyPixels' `:satellite:` is the antenna; Slack's is the orbiting satellite.
  satellite: "satellite_orbital",
  satellite_antenna: "satellite",
  // symbols
  heavy_heart_exclamation_mark_ornament: "heart_exclamation",
  left_speech_bubble: "speech_left",
  right_anger_bubble: "anger_right",
  "eye-in-speech-bubble": "eye_in_speech_bubble",
  black_circle_for_record: "record_button",
  double_vertical_bar: "pause_button",
  black_square_for_stop: "stop_button",
  black_right_pointing_double_triangle_with_vertical_bar: "track_next",
  black_left_pointing_double_triangle_with_vertical_bar: "track_previous",
  black_right_pointing_triangle_with_double_vertical_bar: "play_pause",
  atom_symbol: "atom",
  radioactive_sign: "radioactive",
  biohazard_sign: "biohazard",
  peace_symbol: "peace",
  latin_cross: "cross",
  menorah_with_nine_branches: "menorah",
  staff_of_aesculapius: "medical_symbol",
  large_blue_circle: "blue_circle",
  large_green_circle: "green_circle",
  large_yellow_circle: "yellow_circle",
  large_orange_circle: "orange_circle",
  large_purple_circle: "purple_circle",
  large_brown_circle: "brown_circle",
  large_red_square: "red_square",
  large_blue_square: "blue_square",
  large_green_square: "green_square",
  large_yellow_square: "yellow_square",
  large_orange_square: "orange_square",
  large_purple_square: "purple_square",
  large_brown_square: "brown_square",
  // nature, weather, food, places
  "t-rex": "t_rex",
  unicorn_face: "unicorn",
  dove_of_peace: "dove",
  mostly_sunny: "white_sun_small_cloud",
  sun_small_cloud: "white_sun_small_cloud",
  barely_sunny: "white_sun_cloud",
  sun_behind_cloud: "white_sun_cloud",
  partly_sunny_rain: "white_sun_rain_cloud",
  sun_behind_rain_cloud: "white_sun_rain_cloud",
  rain_cloud: "cloud_rain",
  snow_cloud: "cloud_snow",
  lightning: "cloud_lightning",
  lightning_cloud: "cloud_lightning",
  tornado: "cloud_tornado",
  tornado_cloud: "cloud_tornado",
  thunder_cloud_and_rain: "thunder_cloud_rain",
  // JoyPixels' `:umbrella:`/`:snowman:` are ☔/⛄; Slack's are ☂️/☃️.
  umbrella: "umbrella2",
  umbrella_with_rain_drops: "umbrella",
  snowman: "snowman2",
  snowman_without_snow: "snowman",
  umbrella_on_ground: "beach_umbrella",
  hot_dog: "hotdog",
  bottle_with_popping_cork: "champagne",
  cheese_wedge: "cheese",
  knife_fork_plate: "fork_knife_plate",
  world_map: "map",
  snow_capped_mountain: "mountain_snow",
  national_park: "park",
  desert_island: "island",
  building_construction: "construction_site",
  house_buildings: "homes",
  derelict_house_building: "house_abandoned",
  racing_car: "race_car",
  racing_motorcycle: "motorcycle",
  small_airplane: "airplane_small",
  passenger_ship: "cruise_ship",
};

/** JoyPixels has no `:+1_tone1:`-style names for these; the toned emoji use the word. */
const TONED_BASE: ReadonlyMap<string, string> = new Map([
  ["+1", "thumbsup"],
  ["-1", "thumbsdown"],
]);

const PERSON = /^(man|woman|male|female)-([a-z-]+)$/;
const OTHER_PERSON = /(?:^|-)(?:man|woman|boy|girl|men|women)(?:-|$)/;
const FLAG = /^flag-([a-z]{2,})$/;
const HYPHENS = /-/g;

function rename(name: string): string {
  const lower = name.toLowerCase();
  if (Object.hasOwn(RENAMES, lower)) return RENAMES[lower]!;
  const flag = FLAG.exec(lower);
  if (flag) return `flag_${flag[1]}`;
  const person = PERSON.exec(lower);
  // `man-facepalming` → `man_facepalming`, `female-doctor` → `woman_health_worker`; not families
  // or couples (`man-woman-boy`), whose JoyPixels names follow no such pattern.
  if (person && !OTHER_PERSON.test(person[2]!)) {
    const who = person[1] === "male" || person[1] === "man" ? "man" : "woman";
    const what = person[2] === "doctor" ? "health_worker" : person[2]!.replace(HYPHENS, "_");
    return `${who}_${what}`;
  }
  return name;
}

/** `:name:` for a Slack name and optional Slack skin tone (2–6; anything else: none). */
export function emojiFromParts(name: string, skinTone?: number): string {
  const base = rename(trimOf(String(name), ":"));
  const valid = typeof skinTone === "number" && Number.isInteger(skinTone);
  const tone = valid && skinTone >= 2 && skinTone <= 6 ? skinTone - 1 : 0;
  if (tone === 0) return `:${base}:`;
  return `:${TONED_BASE.get(base) ?? base}_tone${tone}:`;
}

/**
 * A shortcode with an optional Slack skin tone after it. Not after a letter or digit, so that
 * times (`10:30:45`) and words are left alone; RC needs a separator before an emoji anyway.
 */
const SHORTCODE = /(?<![A-Za-z0-9]):([a-z0-9_+'-]+):(?::skin-tone-([1-6]):)?/g;
const SKIN_TONE_NAME = /^skin-tone-[1-6]$/;

/** Rewrites the emoji shortcodes in plain (non-code) text for Rocket.Chat. */
export function slackEmojiToRocketChat(text: string): string {
  if (typeof text !== "string" || !text.includes(":")) return text;
  return replaceEach(text, SHORTCODE, ([whole, name, tone]) => {
    if (SKIN_TONE_NAME.test(name!)) return ""; // a skin tone on its own
    const converted = emojiFromParts(name!, tone === undefined ? undefined : Number(tone));
    return converted === `:${name}:` ? whole.slice(0, name!.length + 2) : converted;
  });
}

const TONED_RAW = /^([^:]+)::skin-tone-([1-6])$/;
const NAME = /^[a-z0-9_+'-]+$/i;

/**
 * A bare name or `:name:` (also `:name::skin-tone-N:`) as `:name:` with the same mapping: for
 * `icon_emoji` → Rocket.Chat's `emoji`. Anything that is not a shortcode (a Unicode emoji, say) is
 * returned trimmed; an empty value gives "".
 */
export function emojiName(raw: string): string {
  if (typeof raw !== "string") return "";
  const trimmed = raw.trim();
  const inner = trimOf(trimmed, ":");
  if (inner === "") return "";
  const toned = TONED_RAW.exec(inner);
  if (toned) return emojiFromParts(toned[1]!, Number(toned[2]));
  if (!NAME.test(inner)) return trimmed;
  return emojiFromParts(inner);
}
