#include "testbed/certificates.hpp"
#include <utility>

#include <functional>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace pgw::testbed {
namespace {

constexpr long kOneHour = 60L * 60;
constexpr long kTenYears = 10L * 365 * 24 * kOneHour;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct BignumFree {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertificatePtr = std::unique_ptr<X509, CertificateFree>;

/// "what: the OpenSSL reason", and clears OpenSSL's error queue.
Unexpected<Error> openssl_failure(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string reason = "unknown error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    reason = buffer;
  }
  ERR_clear_error();
  return fail(what + ": " + reason);
}

Result<KeyPtr> new_key() {
  std::unique_ptr<EVP_PKEY_CTX, ContextFree> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(context.get(), "P-256") != 1) {
    return openssl_failure("cannot set up EC key generation");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(context.get(), &key) != 1) return openssl_failure("cannot generate a key");
  return KeyPtr(key);
}

/// Everything a certificate holds but its extensions and signature.
Result<CertificatePtr> new_certificate(const std::string& common_name, EVP_PKEY* key) {
  CertificatePtr certificate(X509_new());
  if (!certificate) return openssl_failure("cannot allocate a certificate");
  // A random positive 63-bit serial: two certificates of one CA must never share one.
  std::unique_ptr<BIGNUM, BignumFree> serial(BN_new());
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr ||
      X509_set_version(certificate.get(), 2) != 1 ||  // v3, for extensions
      X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kOneHour) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kTenYears) == nullptr ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    return openssl_failure("cannot fill in the certificate for \"" + common_name + "\"");
  }
  return certificate;
}

/// Adds one extension written in openssl.cnf syntax ("critical,CA:TRUE").
Result<void> add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return openssl_failure("invalid certificate extension " + value);
  int added = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) return openssl_failure("cannot add certificate extension " + value);
  return {};
}

Result<void> add_extensions(X509* certificate, X509* issuer,
                            const std::vector<std::pair<int, std::string>>& extensions) {
  for (const auto& [nid, value] : extensions) {
    if (auto added = add_extension(certificate, issuer, nid, value); !added) return added;
  }
  return {};
}

Result<std::string> pem_text(const std::function<int(BIO*)>& write, const std::string& what) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return openssl_failure("cannot encode the " + what);
  char* data = nullptr;
  long size = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data
  if (data == nullptr || size <= 0) return openssl_failure("cannot encode the " + what);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<std::string> certificate_text(X509* certificate) {
  return pem_text([certificate](BIO* bio) { return PEM_write_bio_X509(bio, certificate); },
                  "certificate");
}

Result<std::string> key_text(EVP_PKEY* key) {
  return pem_text(
      [key](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      },
      "private key");
}

std::string subject_alt_names(const CertificateRequest& request) {
  std::string names;
  for (const auto& name : request.dns_names) {
    names += (names.empty() ? "DNS:" : ",DNS:") + name;
  }
  for (const auto& address : request.ip_addresses) {
    names += (names.empty() ? "IP:" : ",IP:") + address;
  }
  return names;
}

}  // namespace

CertificateRequest localhost_server_request() {
  return {"localhost", {"localhost"}, {"127.0.0.1", "::1"}, true};
}

CertificateRequest client_request(const std::string& common_name) {
  return {common_name, {}, {}, false};
}

Result<CertificateAuthority> CertificateAuthority::create(const std::string& common_name) {
  auto key = new_key();
  if (!key) return unexpected(key.error());
  auto certificate = new_certificate(common_name, key->get());
  if (!certificate) return unexpected(certificate.error());
  X509* self = certificate->get();
  if (X509_set_issuer_name(self, X509_get_subject_name(self)) != 1) {
    return openssl_failure("cannot name the CA as its own issuer");
  }
  // The subject key identifier first: the authority key identifier copies it.
  auto extended = add_extensions(self, self,
                                 {{NID_basic_constraints, "critical,CA:TRUE"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                  {NID_subject_key_identifier, "hash"},
                                  {NID_authority_key_identifier, "keyid:always"}});
  if (!extended) return unexpected(extended.error());
  if (X509_sign(self, key->get(), EVP_sha256()) <= 0) {
    return openssl_failure("cannot sign the CA certificate");
  }
  return CertificateAuthority(key->release(), certificate->release());
}

CertificateAuthority::CertificateAuthority(CertificateAuthority&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)),
      certificate_(std::exchange(other.certificate_, nullptr)) {}

CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    X509_free(certificate_);
    key_ = std::exchange(other.key_, nullptr);
    certificate_ = std::exchange(other.certificate_, nullptr);
  }
  return *this;
}

CertificateAuthority::~CertificateAuthority() {
  EVP_PKEY_free(key_);
  X509_free(certificate_);
}

std::string CertificateAuthority::certificate_pem() const {
  auto text = certificate_text(certificate_);
  return text ? *text : std::string();
}

Result<IssuedCertificate> CertificateAuthority::issue(const CertificateRequest& request) const {
  auto key = new_key();
  if (!key) return unexpected(key.error());
  auto certificate = new_certificate(request.common_name, key->get());
  if (!certificate) return unexpected(certificate.error());
  X509* issued = certificate->get();
  if (X509_set_issuer_name(issued, X509_get_subject_name(certificate_)) != 1) {
    return openssl_failure("cannot set the issuer of \"" + request.common_name + "\"");
  }
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, request.server ? "serverAuth" : "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"}};
  if (auto names = subject_alt_names(request); !names.empty()) {
    extensions.emplace_back(NID_subject_alt_name, names);
  }
  if (auto extended = add_extensions(issued, certificate_, extensions); !extended) {
    return unexpected(extended.error());
  }
  if (X509_sign(issued, key_, EVP_sha256()) <= 0) {
    return openssl_failure("cannot sign the certificate of \"" + request.common_name + "\"");
  }
  auto certificate_pem = certificate_text(issued);
  if (!certificate_pem) return unexpected(certificate_pem.error());
  auto key_pem = key_text(key->get());
  if (!key_pem) return unexpected(key_pem.error());
  return IssuedCertificate{std::move(*certificate_pem), std::move(*key_pem)};
}

Result<TlsFiles> write_tls_files(const CertificateAuthority& ca,
                                 const IssuedCertificate& certificate, const std::string& dir,
                                 const std::string& name, const Owner& owner) {
  TlsFiles files{dir + "/ca.crt", dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  auto written = write_file(files.ca_file, ca.certificate_pem(), owner);
  if (written) written = write_file(files.cert_file, certificate.certificate_pem, owner);
  if (written) written = write_file(files.key_file, certificate.key_pem, owner);
  if (!written) return unexpected(written.error());
  return files;
}

Result<TlsFiles> make_server_tls_files(const std::string& dir, const Owner& owner) {
  if (auto made = make_dir(dir, owner); !made) return unexpected(made.error());
  auto ca = CertificateAuthority::create();
  if (!ca) return unexpected(ca.error());
  auto server = ca->issue(localhost_server_request());
  if (!server) return unexpected(server.error());
  return write_tls_files(*ca, *server, dir, "server", owner);
}

}  // namespace pgw::testbed
