import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { nameLike } from '../words.ts'
import { type Format, re, tokenRule, UUID } from './define.ts'
import { START_ALNUM } from './patterns.ts'

// API keys of the long tail of SaaS providers whose keys have no prefix of their own: a run of
// letters and digits (or base64, with - and _, a UUID) that means a credential only next to the
// provider's name and a credential word, as in PDFLAYER_ACCESS_KEY=…, "clockify_api_key": "…" or
// `languagelayer secret …`. Alone, the same value is a hash, an id or a commit. One rule per
// charset, not per provider: the provider's name is what makes the match, and a finding's context
// names it.
//
// Provenance: the providers and their key lengths are facts from Kingfisher's rule files
// (github.com/mongodb/kingfisher, data/rules/*.yml, Apache-2.0); each entry lists the Kingfisher
// rule id (kingfisher.<id>) and the key length it names. The regexes are ours: the name, then
// within the same identifier (or one space away) a credential word, an assignment or a space, then
// the value between boundaries. Providers whose names are common words or substrings of them
// (daily, flat, karma, less, envoy, elastic, semaphore, …), or that have a rule file of their own,
// are left out; Box stays (BOX_DEVELOPER_TOKEN), the boundary before the name keeps sandbox and
// busybox out.

/** [name as it appears in keys, lower-case; Kingfisher rule id(s) and key length]. */
type Provider = readonly [string, string]

const ALNUM: Provider[] = [
  ['apify_api', 'apify.1 36'],
  ['apilayer', 'apilayer.1 32'],
  ['apimetrics', 'apimetrics.1 32'],
  ['apitemplate', 'apitemplate.1 39'],
  ['apollo', 'apollo.1 22'],
  ['appsynergy', 'appsynergy.1 64'],
  ['asana', 'asana.1 16'],
  ['atera', 'atera.1 32'],
  ['atlassian', 'atlassian.1 24 (legacy API tokens; ATATT… ones are atlassian.ts)'],
  ['autopilot', 'autopilot.1 32'],
  ['axonaut', 'axonaut.1 32'],
  ['azure_openai', 'azureopenai.1 32'],
  ['azure_search', 'azuresearch.key.1 52'],
  ['bannerbear', 'bannerbear.1 24'],
  ['beebole', 'beebole.1 40'],
  ['besnappy', 'besnappy.1 64'],
  ['betterstack', 'betterstack.1 24'],
  ['bitbar', 'bitbar.1 32'],
  ['bitcoinaverage', 'bitcoinaverage.1 43'],
  ['boostnote', 'boostnote.1 64'],
  ['box', 'box.1 32, box.com.1 32'],
  ['brandfetch', 'brandfetch.1 40'],
  ['browshot', 'browshot.1 28'],
  ['bscscan', 'bscscan.1 34'],
  ['buddyns', 'buddyns.1 40'],
  ['bugherd', 'bugherd.1 22'],
  ['bulbul', 'bulbul.1 32'],
  ['buttercms', 'buttercms.1 40'],
  ['calendarific', 'calendarific.1 32'],
  ['campayn', 'campayn.1 64'],
  ['carboninterface', 'carboninterface.1 21'],
  ['centralstationcrm', 'centralstationcrm.1 30'],
  ['chatfuel', 'chatfuel.1 128'],
  ['cicero', 'cicero.1 40'],
  ['clarifai', 'clarifai.1 32'],
  ['clockify', 'clockify.1 48'],
  ['clustdoc', 'clustdoc.1 60'],
  ['codacy', 'codacy.1 20-24'],
  ['codequiry', 'codequiry.1 64'],
  ['coinlayer', 'coinlayer.1 32'],
  ['coinlib', 'coinlib.1 16'],
  ['convertapi', 'convertapi.1 16'],
  ['countrylayer', 'countrylayer.1 32'],
  ['craftmypdf', 'craftmypdf.1 35'],
  ['crowdin', 'crowdin.1 80'],
  ['cryptocompare', 'cryptocompare.1 64'],
  ['currencyfreaks', 'currencyfreaks.1 32'],
  ['currencylayer', 'currencylayer.1 32'],
  ['currencyscoop', 'currencyscoop.1 32'],
  ['dandelion', 'dandelion.1 32'],
  ['deepgram', 'deepgram.1 40'],
  ['delighted', 'delighted.1 32'],
  ['detectify', 'detectify.1 32'],
  ['detectlanguage', 'detectlanguage.1 32'],
  ['diggernaut', 'diggernaut.1 40'],
  ['docparser', 'docparser.1 40'],
  ['dronahq', 'dronahq.1 50'],
  ['dyspatch', 'dyspatch.1 52'],
  ['eagleeyenetworks', 'eagleeyenetworks.1 15'],
  ['eraser', 'eraser.1 20'],
  ['etherscan', 'etherscan.1 34'],
  ['eventbrite', 'eventbrite.1 20'],
  ['exchangerate', 'exchangerateapi.1 24'],
  ['extractorapi', 'extractorapi.1 40'],
  ['feedier', 'feedier.1 32'],
  ['finage', 'finage.1 32'],
  ['financialmodelingprep', 'financialmodelingprep.1 32'],
  ['finnhub', 'finnhub.1 20'],
  ['flickr', 'flickr.1 32'],
  ['flightapi', 'flightapi.1 24'],
  ['formcraft', 'formcraft.1 16'],
  ['foursquare', 'foursquare.1 48'],
  ['fulcrum', 'fulcrum.1 80'],
  ['geckoboard', 'geckoboard.1 44'],
  ['geocodify', 'geocodify.1 40'],
  ['getresponse', 'getresponse.1 32'],
  ['glassnode', 'glassnode.1 27'],
  ['goodday', 'goodday.1 32'],
  ['happyscribe', 'happyscribe.1 24'],
  ['helpscout', 'helpscout.1 40'],
  ['holistic', 'holistic.1 64'],
  ['html2pdf', 'html2pdf.1 64'],
  ['hybiscus', 'hybiscus.1 43'],
  ['iconfinder', 'iconfinder.1 64'],
  ['infura', 'infura.1 32'],
  ['ip2location', 'ip2location.1 32'],
  ['ipapi', 'ipapi.1 32'],
  ['ipgeolocation', 'ipgeolocation.1 32'],
  ['ipinfodb', 'ipinfodb.1 64'],
  ['ipquality', 'ipqualityscore.1 32'],
  ['ipstack', 'ipstack.1 32'],
  ['jupiterone', 'jupiterone.1 76'],
  ['juro', 'juro.1 40'],
  ['klipfolio', 'klipfolio.1 40'],
  ['knapsackpro', 'knapsackpro.1 32'],
  ['languagelayer', 'languagelayer.1 32'],
  ['lemlist', 'lemlist.1 32'],
  ['linenotify', 'notify.line.1 43'],
  ['linkpreview', 'linkpreview.1 32'],
  ['loadmill', 'loadmill.1 40'],
  ['lokalise', 'lokalise.1 40'],
  ['loyverse', 'loyverse.1 32'],
  ['lunchmoney', 'lunchmoney.1 50'],
  ['madkudu', 'madkudu.1 32'],
  ['mailboxlayer', 'mailboxlayer.1 32'],
  ['mailerlite', 'mailerlite.1 32'],
  ['mailjet', 'mailjetsms.1 32'],
  ['mapquest', 'mapquest.1 32'],
  ['marketstack', 'marketstack.1 32'],
  ['mavenlink', 'mavenlink.1 64'],
  ['mediastack', 'mediastack.1 32'],
  ['meraki', "gitleaks' cisco-meraki-api-key 40"],
  ['mesibo', 'mesibo.1 64'],
  ['metrilo', 'metrilo.1 16'],
  ['miro', 'miro.1 27'],
  ['monkeylearn', 'monkeylearn.1 40'],
  ['moonclerk', 'moonclerk.1 32'],
  ['newsapi', 'newsapi.1 32'],
  ['nimble', 'nimble.1 30'],
  ['numverify', 'numverify.1 32'],
  ['oanda', 'oanda.1 24'],
  ['onfleet', 'onfleet.1 32'],
  ['opencagedata', 'opencagedata.1 32'],
  ['openuv', 'openuv.1 32'],
  ['openweather', 'openweather.1 32'],
  ['owlbot', 'owlbot.1 40'],
  ['packagecloud', 'packagecloud.1 48'],
  ['pandadoc', 'pandadoc.1 40'],
  ['paralleldots', 'paralleldots.1 43'],
  ['partnerstack', 'partnerstack.1 64'],
  ['paydirtapp', 'paydirtapp.1 32'],
  ['paymoapp', 'paymoapp.1 44'],
  ['pdflayer', 'pdflayer.1 32'],
  ['pdfshift', 'pdfshift.1 32'],
  ['peopledatalabs', 'peopledatalabs.1 64'],
  ['pipedream', 'pipedream.1 32'],
  ['pipedrive', 'pipedrive.1 40'],
  ['planyo', 'planyo.1 62'],
  ['podio', 'podio.1 32'],
  ['pollsapi', 'pollsapi.1 28'],
  ['postageapp', 'postageapp.1 32'],
  ['powrbot', 'powrbot.1 40'],
  ['prodpad', 'prodpad.1 64'],
  ['pyowm', 'openweather.1 32'],
  ['prospect', "prospectcrm.1 32 (the CRM's name; the word alone is too common, the credential word after it is required)"],
  ['qase', 'qase.1 40'],
  ['qubole', 'qubole.1 64'],
  ['rawg', 'rawg.1 32'],
  ['replyio', 'replyio.1 24'],
  ['restpack', 'restpack.1 48'],
  ['rockset', 'rockset.1 64'],
  ['salescookie', 'salescookie.1 32'],
  ['scrapeowl', 'scrapeowl.1 30'],
  ['scraperapi', 'scraperapi.1 32'],
  ['scraperbox', 'scraperbox.1 32'],
  ['scrapestack', 'scrapestack.1 32'],
  ['scrapfly', 'scrapfly.1 32'],
  ['scrapingant', 'scrapingant.1 32'],
  ['scrapingbee', 'scrapingbee.1 80'],
  ['scrutinizer', 'scrutinizerci.1 64'],
  ['securitytrails', 'securitytrails.1 32'],
  ['sendbird', 'sendbird.1 24'],
  ['serphouse', 'serphouse.1 60'],
  ['serpstack', 'serpstack.1 32'],
  ['sherpadesk', 'sherpadesk.1 32'],
  ['shodan', 'shodan.1 32'],
  ['shotstack', 'shotstack.1 40'],
  ['signaturit', 'signaturit.1 86'],
  ['signupgenius', 'signupgenius.1 32'],
  ['simfin', 'simfin.1 32'],
  ['simplesat', 'simplesat.1 40'],
  ['simvoly', 'simvoly.1 33'],
  ['smartsheet', 'smartsheets.1 37'],
  ['sparkpost', 'sparkpost.1 40'],
  ['speechtext', 'speechtextai.1 32'],
  ['splunk', 'splunk.1 22'],
  ['spoonacular', 'spoonacular.1 32'],
  ['sportsmonk', 'sportsmonk.1 60'],
  ['spotify', 'spotify.1 32'],
  ['sslmate', 'sslmate.1 36'],
  ['statuscake', 'statuscake.1 20'],
  ['statuspal', 'statuspal.1 32'],
  ['stockdata', 'stockdata.1 40'],
  ['stormboard', 'stormboard.1 40'],
  ['storyblok', 'storyblok.1 24'],
  ['streak', 'streak.1 32'],
  ['survicate', 'survicate.1 32'],
  ['taxjar', 'taxjar.1 32'],
  ['tefter', 'tefter.1 20'],
  ['tiingo', 'tiingo.1 40'],
  ['timecamp', 'timecamp.1 26'],
  ['timezoneapi', 'timezoneapi.1 20'],
  ['tmetric', 'tmetric.1 64'],
  ['todoist', 'todoist.1 40'],
  ['toggl', 'toggltrack.1 32'],
  ['tomtom', 'tomtom.1 32'],
  ['travelpayouts', 'travelpayouts.1 32'],
  ['twelvedata', 'twelvedata.1 32'],
  ['twitch', 'twitch.1 30'],
  ['tyntec', 'tyntec.1 32'],
  ['upcdatabase', 'upcdatabase.1 32'],
  ['upwave', 'upwave.1 32'],
  ['userstack', 'userstack.1 32'],
  ['vatlayer', 'vatlayer.1 32'],
  ['vbout', 'vbout.1 25'],
  ['vercel', 'vercel.1 24'],
  ['verimail', 'verimail.1 32'],
  ['veriphone', 'veriphone.1 32'],
  ['virustotal', 'virustotal.1 64'],
  ['visualcrossing', 'visualcrossing.1 25'],
  ['voodoosms', 'voodoosms.1 46'],
  ['vpnapi', 'vpnapi.1 32'],
  ['vultr', 'vultr.1 36'],
  ['walkscore', 'walkscore.1 32'],
  ['weatherbit', 'weatherbit.1 32'],
  ['weatherstack', 'weatherstack.1 32'],
  ['webflow', 'webflow.1 64'],
  ['webscraper', 'webscraper.1 60'],
  ['webscraping', 'webscraping.1 32'],
  ['whoxy', 'whoxy.1 33'],
  ['wistia', 'wistia.1 64'],
  ['workstack', 'workstack.1 60'],
  ['worldcoinindex', 'worldcoinindex.1 35'],
  ['worldweather', 'worldweather.1 31'],
  ['yandex', 'yandex.1 83'],
  ['youneedabudget', 'youneedabudget.1 64'],
  ['yousign', 'yousign.1 32'],
  ['zenrows', 'zenrows.1 40'],
  ['zerobounce', 'zerobounce.1 32'],
  ['zipcodeapi', 'zipcodeapi.1 64'],
  ['zonka', 'zonkafeedback.1 36']
]

const DASHED: Provider[] = [
  ['alchemy', 'alchemy.1 32'],
  ['apifonica', 'apifonica.1 11-4-4-4-12'],
  ['audd', 'audd.1 32'],
  ['autoklose', 'autoklose.1 32'],
  ['avaza', 'avaza.1 digits-40'],
  ['ayrshare', 'ayrshare.1 35'],
  ['besttime', 'besttime.1 36'],
  ['bitly', 'bitly.1 40'],
  ['blitapp', 'blitapp.1 39'],
  ['blogger', 'blogger.1 39'],
  ['budibase', 'budibase.1 32-80'],
  ['checio', 'checio.1 48'],
  ['closecrm', 'closecrm.1 49'],
  ['cloudmersive', 'cloudmersive.1 36'],
  ['cloudplan', 'cloudplan.1 32'],
  ['codemagic', 'codemagic.1 43'],
  ['coinapi', 'coinapi.1 36'],
  ['commercejs', 'commercejs.1 48'],
  ['convertkit', 'convertkit.1 22'],
  ['courier', 'courier.1 pk_prod_ or pk_test_ then 28'],
  ['coveralls', 'coveralls.1 37'],
  ['dynalist', 'dynalist.1 128'],
  ['ethplorer', 'ethplorer.1 22'],
  ['fileio', 'fileio.1 39'],
  ['getemail', 'getemail.1 20'],
  ['gitter', 'gitter.1 40'],
  ['graphhopper', 'graphhopper.1 36'],
  ['gumroad', 'gumroad.1 43'],
  ['gyazo', 'gyazo.1 43'],
  ['hiveage', 'hiveage.1 20'],
  ['holidayapi', 'holidayapi.1 36'],
  ['ibm_cloud', 'ibm.1 42-44'],
  ['ibmcloud', 'ibm.1 42-44'],
  ['iexapis', 'iexapis.1 35'],
  ['iexcloud', 'iexcloud.1 35'],
  ['insightly', 'insightly.1 36'],
  ['ipifi', 'geoipifi.1 32'],
  ['kickbox', 'kickbox.1 69'],
  ['klaviyo', 'klaviyo.1 37'],
  ['kontent', 'kontent.1 36'],
  ['kylas', 'kylas.1 36'],
  ['leadfeeder', 'leadfeeder.1 43'],
  ['mailmodo', 'mailmodo.1 31'],
  ['messagebird', 'messagebird.1 25'],
  ['mixmax', 'mixmax.1 36'],
  ['nasdaq', 'nasdaqdatalink.1 20'],
  ['netlify', 'netlify.2 43-45'],
  ['newscatcher', 'newscatcher.1 43'],
  ['optimizely', 'optimizely.1 54'],
  ['overloop', 'overloop.1 50'],
  ['pastebin', 'pastebin.1 32'],
  ['paymongo', 'paymongo.1 32'],
  ['pixabay', 'pixabay.1 34'],
  ['positionstack', 'positionstack.1 32'],
  ['proxycrawl', 'proxycrawl.1 22'],
  ['pushbullet', 'pushbullet.1 34'],
  ['rapidapi', 'rapidapi.1 50'],
  ['rebrandly', 'rebrandly.1 32'],
  ['recaptcha', 'recaptcha.1 40'],
  ['requestfinance', 'requestfinance.1 31'],
  ['rocketreach', 'rocketreach.1 39'],
  ['salesblink', 'salesblink.1 68'],
  ['screenshotapi', 'screenshotapi.1 31'],
  ['screenshotlayer', 'screenshotlayer.1 32'],
  ['selectpdf', 'selectpdf.1 36'],
  ['statuspage', 'statuspage.1 36'],
  ['stitchdata', 'stitchdata.1 35'],
  ['storecove', 'storecove.1 43'],
  ['stormglass', 'stormglass.1 73'],
  ['supernotes', 'supernotes.1 43'],
  ['surveybot', 'surveybot.1 80'],
  ['surveysparrow', 'surveysparrow.1 88'],
  ['swiftype', 'swiftype.1 20'],
  ['teletype', 'teletype.1 64'],
  ['tickettailor', 'tickettailor.1 46'],
  ['trello', 'trello.1 32'],
  ['uplead', 'uplead.1 32'],
  ['uptimerobot', 'uptimerobot.1 34'],
  ['urlscan', 'urlscan.1 36'],
  ['versioneye', 'versioneye.1 40'],
  ['zenkit', 'zenkit.1 41']
]

const BASE64: Provider[] = [
  ['appointedd', 'appointedd.1 88'],
  ['bombbomb', 'bombbomb.1 88'],
  ['capsulecrm', 'capsulecrm.1 64'],
  ['ccloud', 'confluent.2 64'],
  ['confluent', 'confluent.2 64'],
  ['d7network', 'd7network.1 24'],
  ['databox', 'databox.1 21'],
  ['ecostruxureit', 'ecostruxureit.1 53-58'],
  ['fxmarket', 'fxmarket.1 20'],
  ['getgist', 'getgist.1 68'],
  ['hellosign', 'hellosign.1 64'],
  ['imagekit', 'imagekit.1 36'],
  ['imagga', 'imagga.1 72'],
  ['instabot', 'instabot.1 44'],
  ['qualaroo', 'qualaroo.1 64'],
  ['yelp', 'yelp.1 128']
]

// Keys shorter than the lists above take (11 to 14 letters and digits): a run that short is a word or
// a number anywhere else, so only these providers' names, with a credential word, make it a key.
const SHORT: Provider[] = [
  ['ipinfo', 'ipinfo.1 14'],
  ['myintervals', 'myintervals.1 11'],
  ['uclassify', 'uclassify.1 12']
]

// Long tokens (a JWT or a blob of 120 to 1,200 characters) of providers whose keys are that long.
const LONG: Provider[] = [
  ['appfollow', 'appfollow.1 JWT'],
  ['borgbase', 'borgbase.1 148-152'],
  ['caflou', 'caflou.1 155'],
  ['calendly', 'calendly.1 JWT'],
  ['flightlabs', 'flightlabs.1 JWT'],
  ['formio', 'formio.1 JWT'],
  ['helpcrunch', 'helpcrunch.1 328'],
  ['lemonsqueezy', 'lemonsqueezy.1 JWT'],
  ['lexigram', 'lexigram.1 301'],
  ['livestorm', 'livestorm.1 JWT'],
  ['paperform', 'paperform.1 850-1000'],
  ['simplynoted', 'simplynoted.1 340-360'],
  ['storychief', 'storychief.1 940-1000'],
  ['stripo', 'stripo.1 JWT'],
  ['zeplin', 'zeplin.1 350-400']
]

// Keys that are UUIDs (Kingfisher's classes admit any letter, so segments are any alphanumerics);
// Snyk, HubSpot and the others of saas-uuid.ts are that rule's.
const UUID_KEYED: Provider[] = [
  ['blocknative', 'blocknative.1'],
  ['bugsnag', 'bugsnag.1'],
  ['canny', 'cannyio.1'],
  ['cliengo', 'cliengo.1'],
  ['collect2', 'collect2.1'],
  ['interseller', 'interseller.1'],
  ['loginradius', 'loginradius.1'],
  ['logz', 'logzio.1'],
  ['moosend', 'moosend.1'],
  ['nftport', 'nftport.1'],
  ['onesignal', 'onesignal.1'],
  ['opsgenie', 'opsgenie.1'],
  ['postmark', 'postmark.1'],
  ['scaleway', 'scaleway.1'],
  ['shortcut', 'shortcut.1'],
  ['tatum', 'tatumio.1'],
  ['transferwise', 'transferwise.1'],
  ['zenscrape', 'zenscrape.1'],
  ['zipcodebase', 'zipcodebase.1']
]

// Words that make the key after the name a credential; Kingfisher's five and auth, api, pass.
const CRED = '(?:key|token|secret|private|access|auth|api|pass)'
// An assignment (every shape `named` covers, the Kubernetes env shape included) or, as in prose
// and CLI output, whitespace or quotes alone, or one '-' or '.' joining the key's name to its value
// (mediastack-SECRET-…, signupgeniusPRIVATE.…: how Kingfisher's examples write a key next to its
// label, its rules allowing any character between the two).
const SEP = String.raw`(?:[\s'"\\]{0,4}(?:=>|:=|=|:|,\s*\\?"value\\?"\s*:)[\s'"\\]{0,5}|[\s'"\\]{1,5}|[-.])`

/** The regex of a rule for `providers`: name, credential word, separator, the token, then none of `tail`. */
function namedKey(providers: readonly Provider[], tail: string): (t: string) => string {
  const names = providers.map(([n]) => n).join('|')
  return (t) => `${START_ALNUM}(?i:${names})[\\w.\\s-]{0,24}?(?i:${CRED})[\\w.-]{0,20}?${SEP}(${t})(?:[^${tail}]|$)`
}

const FOLLOWS = `[\\w.\\s-]{0,24}?${CRED}`
const keywords = (providers: readonly Provider[]): string[] => providers.map(([n]) => n)
/**
 * At least `min` characters of `cls` (the providers' shortest key), unbounded: a bounded range this
 * wide leaves RE2's DFA (rules.test.ts); `upTo` bounds it after the match. Examples are drawn from
 * `alphabet` at the commonest `lengths`.
 */
const value = (cls: string, alphabet: string, min: number, lengths: number[]): Format =>
  re(`[${cls}]{${min},}`, (g: Gen) => g.chars(alphabet, lengths[Number(g.digits(1)) % lengths.length] ?? min))
/** The providers' longest key is 128 characters: a longer run is a blob, not one of these keys. */
const upTo = (s: string): boolean => s.length <= 128
// A name Kubernetes generated: a Deployment's pods are <name>-<hash>-<5 characters>, drawn from the
// alphabet of k8s.io/apimachinery's rand.String (no vowels, no 0, 1 or 3).
const GENERATED_NAME = /^[a-z][a-z0-9-]*-[bcdfghjklmnpqrstvwxz2456789]{5}$/
/**
 * A value of letters, digits, '-' and '_' after a provider's name may be the rest of a name, not a
 * key: `trello-token-refresh-scheduler` (words) or a pod `urlscan-api-proxy-6f7d8c9b5-x2k4p`.
 */
const dashedKey = (s: string): boolean => upTo(s) && !(/[-_]/.test(s) && nameLike(s)) && !GENERATED_NAME.test(s)

const ALNUM_CLS = 'A-Za-z0-9'
const SEGMENTS = '[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}'
const DASHED_CLS = 'A-Za-z0-9_-'
const BASE64_CLS = 'A-Za-z0-9+/='
const LONG_CLS = 'A-Za-z0-9_.+/=-'
const LONG_TAIL = '-A-Za-z0-9_.+/='

export const rules: Rule[] = [
  tokenRule({
    id: 'saas-named-api-key',
    title: 'API key of a SaaS provider next to its name (letters and digits: pdflayer, clockify, deepgram, helpscout, …)',
    severity: 'high',
    token: value(ALNUM_CLS, ALPHABETS.base62, 15, [32, 40, 64]),
    regex: namedKey(ALNUM, '-A-Za-z0-9_'),
    keywords: keywords(ALNUM),
    follows: FOLLOWS,
    minEntropy: 2.5,
    validate: upTo,
    tags: ['saas', 'kingfisher'],
    lines: [
      (s) => `PDFLAYER_ACCESS_KEY=${s}`,
      (s) => `{"level":"debug","msg":"client config","clockify_api_key":"${s}"}`,
      (s) => `deepgram secret ${s}`,
      (s) => `{"name":"HELPSCOUT_API_TOKEN","value":"${s}"}`,
      (s) => `mediastack-SECRET-${s}`
    ],
    negatives: [
      `PDFLAYER_ACCESS_KEY=${'0'.repeat(32)}`,
      `CLOCKIFY_API_KEY=${'x'.repeat(48)}`,
      'PDFLAYER_ACCESS_KEY=${PDFLAYER_ACCESS_KEY}',
      'deepgram key rotated for project 42',
      'helpscout_api_token=short12345',
      `commit ${'0123456789abcdef'.repeat(2)}0123abcd deepgram-sdk bumped`
    ]
  }),
  tokenRule({
    id: 'saas-named-api-token',
    title: 'API token of a SaaS provider next to its name (letters, digits, - and _: coveralls, trello, bitly, urlscan, …)',
    severity: 'high',
    token: value(DASHED_CLS, ALPHABETS.base64url, 20, [32, 36, 43]),
    regex: namedKey(DASHED, '-A-Za-z0-9_'),
    keywords: keywords(DASHED),
    follows: FOLLOWS,
    minEntropy: 2.5,
    validate: dashedKey,
    tags: ['saas', 'kingfisher'],
    lines: [(s) => `COVERALLS_REPO_TOKEN=${s}`, (s) => `{"trello_api_key":"${s}"}`, (s) => `urlscan key ${s}`, (s) => `urlscanPRIVATE.${s}`],
    negatives: [
      `COVERALLS_REPO_TOKEN=${'-'.repeat(36)}`,
      'trello_token: <your-trello-token>',
      'coveralls token missing, skipping upload',
      'trello-token-refresh-scheduler-started in 12ms',
      'Started container urlscan-api-deployment-7d9f8b6c5d-x2k4p'
    ]
  }),
  tokenRule({
    id: 'saas-named-api-key-base64',
    title: 'Base64 API key of a SaaS provider next to its name (hellosign, capsulecrm, qualaroo, imagga, …)',
    severity: 'high',
    token: value(BASE64_CLS, `${ALPHABETS.base62}+/`, 20, [64, 72, 88]),
    regex: namedKey(BASE64, '-A-Za-z0-9_+/='),
    keywords: keywords(BASE64),
    follows: FOLLOWS,
    minEntropy: 2.5,
    validate: upTo,
    tags: ['saas', 'kingfisher'],
    lines: [(s) => `HELLOSIGN_API_KEY=${s}`, (s) => `{"capsulecrm_token":"${s}"}`],
    negatives: [`HELLOSIGN_API_KEY=${'A'.repeat(64)}`, 'hellosign_api_key: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]']
  }),
  tokenRule({
    id: 'saas-named-short-key',
    title: 'Short API key (11 to 14 letters and digits) of a SaaS provider next to its name (ipinfo, uclassify, myintervals)',
    severity: 'high',
    token: re(`[${ALNUM_CLS}]{11,14}`, (g: Gen) => g.chars(ALPHABETS.base62, 11 + (Number(g.digits(1)) % 4))),
    regex: namedKey(SHORT, '-A-Za-z0-9_'),
    keywords: keywords(SHORT),
    follows: FOLLOWS,
    // Entropy says little over 11 characters (one random key in 6,000 is under 2.5): this bar only
    // refuses runs of one or two characters; the provider's name and a credential word do the rest.
    minEntropy: 2.0,
    tags: ['saas', 'kingfisher'],
    lines: [(s) => `IPINFO_TOKEN=${s}`, (s) => `{"uclassify_read_key":"${s}"}`, (s) => `myintervals token ${s}`],
    negatives: ['IPINFO_TOKEN=aaaaaaaaaaaaaa', 'ipinfo token refreshed', 'uclassify_key=123456789012345678', 'ipinfo_token_ttl=3600']
  }),
  {
    ...tokenRule({
      id: 'saas-named-long-token',
      title: 'Long API token or JWT of a SaaS provider next to its name (zeplin, paperform, calendly, storychief, …)',
      severity: 'high',
      token: value(LONG_CLS, `${ALPHABETS.base64url}.`, 120, [155, 301, 400]),
      regex: namedKey(LONG, LONG_TAIL),
      keywords: keywords(LONG),
      follows: FOLLOWS,
      minEntropy: 3.0,
      // The longest of these keys is 1,000 characters.
      validate: (s) => s.length <= 1200,
      tags: ['saas', 'kingfisher'],
      lines: [(s) => `ZEPLIN_ACCESS_TOKEN=${s}`, (s) => `{"level":"debug","calendly_token":"${s}"}`],
      negatives: [`ZEPLIN_ACCESS_TOKEN=${'x'.repeat(200)}`, 'calendly token expired, refreshing', `zeplin token ${'ab12'.repeat(20)}`]
    }),
    // base64url and '.': one token in 65^3 ends in "...", three random characters; the regex takes 120 or more.
    dotsAreData: true
  },
  tokenRule({
    id: 'saas-named-uuid-key',
    title: 'API key of a provider whose keys are UUIDs, next to its name (Opsgenie, Postmark, Scaleway, OneSignal, Bugsnag, …)',
    severity: 'high',
    token: { ...UUID, regex: SEGMENTS },
    regex: namedKey(UUID_KEYED, '-A-Za-z0-9_'),
    keywords: keywords(UUID_KEYED),
    follows: FOLLOWS,
    minEntropy: 2.5,
    tags: ['saas', 'kingfisher'],
    lines: [(s) => `OPSGENIE_API_KEY=${s}`, (s) => `{"postmark_server_token":"${s}"}`, (s) => `scaleway secret key ${s}`],
    negatives: [
      'OPSGENIE_API_KEY=00000000-0000-0000-0000-000000000000',
      'scaleway access key SCWXXXXXXXXXXXXXXXXX for project 0123abcd-4567-89ef-0123-456789abcdef',
      'request_id=0123abcd-4567-89ef-0123-456789abcdef'
    ]
  })
]
